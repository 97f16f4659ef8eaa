import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { JavaMissingError, startEmulators } from '../../../local/emulators';

jest.setTimeout(90_000);

const emulatorsModule = resolve(__dirname, '../../../local/emulators.ts');

async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

async function eventually(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe('embedded emulators', () => {
  it('stop() ends both emulators', async () => {
    // Prepare
    const emulators = await startEmulators();
    expect(await answers(emulators.kinesisEndpoint)).toBe(true);
    expect(await answers(emulators.dynamoDbEndpoint)).toBe(true);
    // Act
    await emulators.stop();
    // Assess
    expect(await answers(emulators.kinesisEndpoint)).toBe(false);
    expect(await answers(emulators.dynamoDbEndpoint)).toBe(false);
  });

  it('names the Debian package to install when Java is missing', async () => {
    // Prepare: a PATH without java on it
    const savedPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      // Act
      const starting = startEmulators();
      // Assess
      await expect(starting).rejects.toBeInstanceOf(JavaMissingError);
      await expect(starting).rejects.toThrow(/apt-get install -y openjdk-17-jre-headless/);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('leaves no orphan when the runner is killed with SIGKILL', async () => {
    // Prepare: a runner process that starts the emulators and prints their endpoints
    const script = `require(${JSON.stringify(emulatorsModule)}).startEmulators()
      .then((e) => { console.log(JSON.stringify(e)); setInterval(() => undefined, 1000); });`;
    const runner = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: resolve(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const endpoints = await new Promise<{ kinesisEndpoint: string; dynamoDbEndpoint: string }>(
      (resolveLine, reject) => {
        runner.stdout.once('data', (chunk: Buffer) => resolveLine(JSON.parse(chunk.toString())));
        runner.once('exit', (code) => reject(new Error(`runner exited early (${code})`)));
      },
    );
    expect(await answers(endpoints.kinesisEndpoint)).toBe(true);
    // Act
    runner.kill('SIGKILL');
    // Assess
    const bothGone = async () =>
      !(await answers(endpoints.kinesisEndpoint)) && !(await answers(endpoints.dynamoDbEndpoint));
    expect(await eventually(bothGone, 15_000)).toBe(true);
  });
});
