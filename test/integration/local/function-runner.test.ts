import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionRunner } from '../../../local/function-runner';
import type { LocalFunctionDefinition } from '../../../local/functions';
import { resolveWorkerNode, runtimeNodeMajor } from '../../../local/worker-node';

/**
 * The function runner with small handler bundles written to a temp folder INSIDE the project (so
 * the project's node_modules would be reachable by plain Node resolution: the runner must still
 * only offer what Lambda offers: the bundle and the runtime-provided @aws-sdk/*).
 */
const root = mkdtempSync(join(__dirname, 'fixture-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function aFunction(
  name: string,
  code: string,
  overrides: Partial<LocalFunctionDefinition> = {},
): LocalFunctionDefinition {
  const codeDir = join(root, name);
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.js'), code);
  return {
    logicalId: `${name}Function`,
    functionName: `Stack-${name}`,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:Stack-${name}`,
    handlerFile: join(codeDir, 'index.js'),
    handlerName: 'handler',
    codeDir,
    timeoutSeconds: 5,
    memorySize: 256,
    runtime: 'nodejs22.x',
    environment: { POWERTOOLS_SERVICE_NAME: name },
    serviceName: name,
    logGroupName: `/aws/lambda/Stack-${name}`,
    tracingMode: 'PassThrough',
    ...overrides,
  };
}

const ENV_ECHO = `
let invocations = 0;
exports.handler = async (event) => {
  invocations += 1;
  const seen = { own: process.env.OWN, leak: process.env.LEAK, parentOnly: process.env.PARENT_ONLY_VARIABLE,
    name: process.env.AWS_LAMBDA_FUNCTION_NAME, region: process.env.AWS_REGION, shared: process.env.SHARED,
    extra: process.env.EXTRA, pid: process.pid, invocations };
  process.env.LEAK = 'written by ' + process.env.AWS_LAMBDA_FUNCTION_NAME;
  return seen;
};`;

const VERSION_REPORT = `exports.handler = async () => ({ node: process.versions.node, execPath: process.execPath });`;
const majorOf = (version: string): number => Number(version.split('.')[0]);
/** local/function-node is installed (npm run setup:function-node) or ORDERSTREAM_FUNCTION_NODE is set. */
const workerNodeInstalled = resolveWorkerNode().source !== 'machine';

describe('FunctionRunner', () => {
  const logs: string[] = [];
  let runner: FunctionRunner;
  const definitions = [
    aFunction('alpha', ENV_ECHO, { environment: { OWN: 'alpha-value', POWERTOOLS_SERVICE_NAME: 'alpha' } }),
    aFunction('beta', ENV_ECHO, { environment: { OWN: 'beta-value', POWERTOOLS_SERVICE_NAME: 'beta' } }),
    aFunction(
      'context',
      `exports.handler = async (event, context) => ({ ...context, remaining: context.getRemainingTimeInMillis(), event });`,
      { timeoutSeconds: 7 },
    ),
    aFunction(
      'sleepy',
      `exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.sleepMs)); return { pid: process.pid }; };`,
      { timeoutSeconds: 1 },
    ),
    aFunction(
      'thrower',
      `class PaymentDeclined extends Error { constructor(m) { super(m); this.name = 'PaymentDeclined'; } }
exports.handler = async () => { throw new PaymentDeclined('card declined'); };`,
    ),
    aFunction(
      'logger',
      `exports.handler = async () => { console.log('hello from logger'); console.error('oops on stderr'); return 'ok'; };`,
    ),
    aFunction(
      'callback',
      `exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { via: 'callback' }), 10); };`,
    ),
    aFunction('sdk', `exports.handler = async () => { require('@aws-sdk/client-kinesis'); return 'sdk ok'; };`),
    aFunction('unbundled', `const z = require('zod'); exports.handler = async () => 'should not load';`),
    aFunction('version', VERSION_REPORT),
  ];

  beforeAll(() => {
    process.env.PARENT_ONLY_VARIABLE = 'must not leak into functions';
    runner = new FunctionRunner({
      functions: definitions,
      region: 'us-east-1',
      sharedEnvironment: { SHARED: 'for-all' },
      environmentFor: (fn): Record<string, string> => (fn.serviceName === 'beta' ? { EXTRA: 'beta-only' } : {}),
      onLog: (line, fn, stream) => logs.push(`${fn.serviceName}:${stream}:${line}`),
    });
  });
  afterAll(async () => {
    delete process.env.PARENT_ONLY_VARIABLE;
    await runner.stop();
  });

  it("gives each function its own process.env: its template variables, Lambda's variables, and nothing of another function or of the runner", async () => {
    // Act
    const alpha = await runner.invoke('Stack-alpha', {});
    const beta = await runner.invoke('Stack-beta', {});

    // Assess
    expect(alpha).toEqual({
      kind: 'success',
      payload: expect.objectContaining({
        own: 'alpha-value',
        name: 'Stack-alpha',
        region: 'us-east-1',
        shared: 'for-all',
      }),
    });
    expect(beta).toEqual({
      kind: 'success',
      payload: expect.objectContaining({ own: 'beta-value', name: 'Stack-beta', extra: 'beta-only' }),
    });
    for (const result of [alpha, beta]) {
      const payload = (result as { payload: Record<string, unknown> }).payload;
      expect(payload.leak).toBeUndefined();
      expect(payload.parentOnly).toBeUndefined();
    }
    expect((alpha as { payload: { pid: number } }).payload.pid).not.toBe(
      (beta as { payload: { pid: number } }).payload.pid,
    );
  });

  it('reuses a warm execution environment for sequential invocations (module state survives, like Lambda)', async () => {
    const first = (await runner.invoke('Stack-alpha', {})) as { payload: { pid: number; invocations: number } };
    const second = (await runner.invoke('Stack-alpha', {})) as {
      payload: { pid: number; invocations: number; leak: string };
    };

    expect(second.payload.pid).toBe(first.payload.pid);
    expect(second.payload.invocations).toBe(first.payload.invocations + 1);
    expect(second.payload.leak).toBe('written by Stack-alpha');
  });

  it('passes the event and a Lambda context (request id, name, version, ARN, memory, log group, remaining time)', async () => {
    const result = await runner.invoke('Stack-context', { hello: 'world' });

    expect(result.kind).toBe('success');
    const payload = (result as { payload: Record<string, unknown> }).payload;
    expect(payload).toMatchObject({
      functionName: 'Stack-context',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Stack-context',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/Stack-context',
      event: { hello: 'world' },
    });
    expect(payload.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.remaining).toBeGreaterThan(5_000);
    expect(payload.remaining).toBeLessThanOrEqual(7_000);
  });

  it('enforces the timeout: kills the environment, reports Sandbox.Timedout, and the next invocation gets a fresh one', async () => {
    const warm = (await runner.invoke('Stack-sleepy', { sleepMs: 10 })) as { payload: { pid: number } };

    const started = Date.now();
    const timedOut = await runner.invoke('Stack-sleepy', { sleepMs: 5_000 });
    const elapsed = Date.now() - started;
    const after = (await runner.invoke('Stack-sleepy', { sleepMs: 10 })) as { payload: { pid: number } };

    expect(timedOut).toEqual({
      kind: 'error',
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 1.00 seconds'),
    });
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3_000);
    expect(after.payload.pid).not.toBe(warm.payload.pid);
    expect(() => process.kill(warm.payload.pid, 0)).toThrow();
  });

  it('reports a thrown error with its type and message, like Lambda function errors', async () => {
    expect(await runner.invoke('Stack-thrower', {})).toEqual({
      kind: 'error',
      errorType: 'PaymentDeclined',
      errorMessage: 'card declined',
    });
  });

  it('supports callback-style handlers', async () => {
    expect(await runner.invoke('Stack-callback', {})).toEqual({ kind: 'success', payload: { via: 'callback' } });
  });

  it('runs concurrent invocations of one function in separate environments', async () => {
    const results = (await Promise.all([
      runner.invoke('Stack-sleepy', { sleepMs: 300 }),
      runner.invoke('Stack-sleepy', { sleepMs: 300 }),
    ])) as Array<{
      payload: { pid: number };
    }>;

    expect(results[0]!.payload.pid).not.toBe(results[1]!.payload.pid);
  });

  it('hands every output line of a function to the log sink, tagged with its service and stream', async () => {
    await runner.invoke('Stack-logger', {});
    await new Promise((r) => setTimeout(r, 100));

    expect(logs).toEqual(expect.arrayContaining(['logger:stdout:hello from logger', 'logger:stderr:oops on stderr']));
  });

  it('offers the bundle the AWS SDK the Lambda runtime provides, but no other package from the project', async () => {
    expect(await runner.invoke('Stack-sdk', {})).toEqual({ kind: 'success', payload: 'sdk ok' });
    expect(await runner.invoke('Stack-unbundled', {})).toEqual({
      kind: 'error',
      errorType: 'Runtime.ImportModuleError',
      errorMessage: expect.stringContaining("Cannot find module 'zod'"),
    });
  });

  (workerNodeInstalled ? it : it.skip)(
    "runs the functions on their deployed runtime's Node major (nodejs22.x: 22), not the machine's",
    async () => {
      const result = await runner.invoke('Stack-version', {});
      const reported = (result as { payload: { node: string; execPath: string } }).payload;
      expect(majorOf(reported.node)).toBe(runtimeNodeMajor('nodejs22.x'));
      expect(majorOf(reported.node)).toBe(22);
      expect(reported.execPath).toBe(runner.node.path);
      expect(reported.node).toBe(runner.node.version);
    },
  );

  it("runs the functions on the machine's Node when told to (what happens without local/function-node)", async () => {
    const machine = new FunctionRunner({
      functions: [aFunction('machine', VERSION_REPORT)],
      region: 'us-east-1',
      node: { path: process.execPath, version: process.versions.node, source: 'machine' },
      onLog: () => undefined,
    });
    try {
      expect(await machine.invoke('Stack-machine', {})).toEqual({
        kind: 'success',
        payload: { node: process.versions.node, execPath: process.execPath },
      });
    } finally {
      await machine.stop();
    }
  });

  it('answers ResourceNotFoundException for an unknown function', async () => {
    expect(await runner.invoke('nope', {})).toMatchObject({ kind: 'error', errorType: 'ResourceNotFoundException' });
  });

  it('leaves no execution environment behind when the runner process is killed outright (SIGKILL)', async () => {
    // Prepare: a separate runner process that starts one environment and reports its pid
    const fn = aFunction('orphan', `exports.handler = async () => process.pid;`);
    const script = `
      const { FunctionRunner } = require(${JSON.stringify(require.resolve('../../../local/function-runner'))});
      const runner = new FunctionRunner({ functions: [${JSON.stringify(fn)}], region: 'us-east-1', onLog: () => undefined });
      runner.invoke('Stack-orphan', {}).then((r) => console.log('PID ' + r.payload));
      setInterval(() => undefined, 1000);`;
    const parent = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const workerPid = await new Promise<number>((resolvePid) => {
      parent.stdout.on('data', (chunk: Buffer) => {
        const match = /PID (\d+)/.exec(chunk.toString());
        if (match) resolvePid(Number(match[1]));
      });
    });
    expect(() => process.kill(workerPid, 0)).not.toThrow();

    // Act
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    const deadline = Date.now() + 5_000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        process.kill(workerPid, 0);
      } catch {
        alive = false;
      }
    }

    // Assess: the environment noticed its IPC channel closing and exited
    expect(alive).toBe(false);
  }, 30_000);
});
