import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `npm start` as a client sees it: the local runtime in its own process group (as a shell runs
 * it), started, waited for, and killed the hard way (SIGKILL to the whole group), then started
 * again on the same data folder and ports.
 */

const projectDir = resolve(__dirname, '..', '..');

export interface LocalProcessOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly kinesisPort: number;
  readonly dynamoDbPort: number;
  /** Extra `npm start` flags (e.g. `--schedule-every 2s`). */
  readonly extraArgs?: readonly string[];
  /** Extra environment for the runner (and so for its function workers). */
  readonly env?: Readonly<Record<string, string>>;
  /** File that receives the runner's stdout and stderr (appended across restarts). */
  readonly logFile: string;
  /** How long a start may take. @default 180 s */
  readonly startTimeoutMs?: number;
}

export class LocalProcess {
  private child: ChildProcess | undefined;

  public constructor(private readonly options: LocalProcessOptions) {}

  public get apiUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** Starts the runner and resolves once GET /health answers 200. */
  public async start(startOptions: { fresh?: boolean; synth?: boolean } = {}): Promise<void> {
    const o = this.options;
    const args = [
      require.resolve('ts-node/dist/bin.js'),
      '--transpile-only',
      'bin/local.ts',
      '--data-dir',
      o.dataDir,
      '--port',
      String(o.port),
      '--kinesis-port',
      String(o.kinesisPort),
      '--dynamodb-port',
      String(o.dynamoDbPort),
      ...(startOptions.fresh ? ['--fresh'] : []),
      ...(startOptions.synth === false ? ['--no-synth'] : []),
      // The soak measures delivery, not authorization: its clients send unsigned requests (as npm run load does).
      '--no-auth',
      ...(o.extraArgs ?? []),
    ];
    const log = createWriteStream(o.logFile, { flags: 'a' });
    const child = spawn(process.execPath, args, {
      cwd: projectDir,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, like `npm start` in a terminal: kill() hits the whole group.
      detached: true,
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`the local runtime exited during start (code ${code}, signal ${signal}); see ${o.logFile}`)),
      ),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + (o.startTimeoutMs ?? 180_000);
    while (Date.now() < deadline) {
      const healthy = await Promise.race([this.healthy(), exited]);
      if (healthy) return;
      await sleep(250);
    }
    throw new Error(`the local runtime did not become healthy in time; see ${o.logFile}`);
  }

  /** SIGKILL to the runner's whole process group, then waits until its ports are free again. */
  public async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid === undefined) return;
    const exited = new Promise<void>((done) => (child.exitCode !== null ? done() : child.once('exit', () => done())));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    await this.waitForPortsFree();
  }

  /** Graceful stop (SIGTERM, as Ctrl-C would), bounded; SIGKILL after the bound. */
  public async stop(timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    process.kill(-child.pid, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!stopped) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await this.waitForPortsFree();
  }

  private async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.apiUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /** The emulators die through their guardians once the runner is gone: wait for that. */
  private async waitForPortsFree(timeoutMs = 60_000): Promise<void> {
    const { port, kinesisPort, dynamoDbPort } = this.options;
    const deadline = Date.now() + timeoutMs;
    for (const candidate of [port, kinesisPort, dynamoDbPort]) {
      while (await isListening(candidate)) {
        if (Date.now() > deadline) throw new Error(`port ${candidate} still in use after the runtime stopped`);
        await sleep(200);
      }
    }
  }
}

/** Free loopback ports, chosen once so a restart comes back on the same addresses. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((done, fail) => {
          const server = createServer();
          server.once('error', fail);
          server.listen(0, '127.0.0.1', () => done(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}
