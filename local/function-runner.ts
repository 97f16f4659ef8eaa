import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { InvocationResult } from './esm/types';
import type { LocalFunctionDefinition } from './functions';
import { resolveWorkerNode, type WorkerNode } from './worker-node';
import type { LambdaTraces } from './xray/lambda-traces';

/**
 * Runs Lambda functions from their bundled assets, each execution environment in its own child
 * process (function-worker.js) with the function's own process.env, like Lambda: one invocation
 * at a time per environment, a small pool per function for concurrent invocations, the function's
 * Timeout enforced (the environment is killed and replaced, error `Sandbox.Timedout`).
 * Implements the event-source-mapping engine's FunctionInvoker.
 */

export type { InvocationResult };

export interface FunctionRunnerOptions {
  readonly functions: readonly LocalFunctionDefinition[];
  readonly region: string;
  /** Variables every function gets on top of its own (endpoints, credentials...). */
  readonly sharedEnvironment?: Readonly<Record<string, string>>;
  /** Extra variables for one function, on top of its own (e.g. a local outbox folder). */
  readonly environmentFor?: (fn: LocalFunctionDefinition) => Readonly<Record<string, string>>;
  /** The Node the environments run on. @default resolveWorkerNode(): Node 22 from local/function-node, else this process's */
  readonly node?: WorkerNode;
  /** Max concurrent execution environments per function. @default 4 */
  readonly maxConcurrency?: number;
  /** Receives every line a function writes. @default console, prefixed `[service] ` */
  readonly onLog?: (line: string, fn: LocalFunctionDefinition, stream: 'stdout' | 'stderr') => void;
  /** Observes every finished invocation (tests, metrics). */
  readonly onInvocation?: (
    fn: LocalFunctionDefinition,
    event: unknown,
    result: InvocationResult,
    timing: InvocationTiming,
  ) => void;
  /**
   * Starts Lambda's trace of each invocation of a function with active tracing (the trace header
   * the function gets, Lambda's own segments). @default no traces
   */
  readonly traces?: LambdaTraces;
}

/** When an invocation ran, as Lambda's Duration metric and the function's first-invocation flag see it. */
export interface InvocationTiming {
  /** Date.now() when the environment got the event. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** The environment's first invocation (it loaded the handler first). */
  readonly coldStart: boolean;
}

interface Worker {
  readonly child: ChildProcess;
  busy: boolean;
  /** Invocations this environment has started. */
  invocations: number;
}

interface Pool {
  readonly definition: LocalFunctionDefinition;
  readonly workers: Worker[];
  readonly waiting: Array<(worker: Worker) => void>;
}

const WORKER_SCRIPT = require.resolve('./function-worker.js');
/** Folder whose node_modules holds the AWS SDK v3 that Lambda's nodejs runtime provides. */
const PROVIDED_SDK_BASE = resolve(dirname(require.resolve('@aws-sdk/client-dynamodb/package.json')), '..', '..', '..');

export class FunctionRunner {
  /** The Node every execution environment runs on. */
  public readonly node: WorkerNode;
  private readonly pools = new Map<string, Pool>();
  private stopped = false;

  public constructor(private readonly options: FunctionRunnerOptions) {
    this.node = options.node ?? resolveWorkerNode();
    for (const definition of options.functions) {
      const pool: Pool = { definition, workers: [], waiting: [] };
      this.pools.set(definition.functionName, pool);
      this.pools.set(definition.logicalId, pool);
      this.pools.set(definition.functionArn, pool);
    }
    // Last resort: never leave environments behind when the runner's process exits.
    process.once('exit', this.killAllSync);
  }

  public get definitions(): readonly LocalFunctionDefinition[] {
    return this.options.functions;
  }

  /** The definition by function name, logical id or ARN. */
  public definition(functionName: string): LocalFunctionDefinition {
    const pool = this.pools.get(functionName);
    if (!pool) throw new Error(`no function '${functionName}' in the template`);
    return pool.definition;
  }

  /** Invokes synchronously (RequestResponse) and reports the result like Lambda's Invoke API. */
  public async invoke(functionName: string, event: unknown): Promise<InvocationResult> {
    if (this.stopped)
      return { kind: 'error', errorType: 'ServiceException', errorMessage: 'the function runner is stopped' };
    const pool = this.pools.get(functionName);
    if (!pool)
      return {
        kind: 'error',
        errorType: 'ResourceNotFoundException',
        errorMessage: `Function not found: ${functionName}`,
      };
    const worker = await this.acquire(pool);
    const timing = { startedAt: Date.now(), coldStart: worker.invocations === 0 };
    worker.invocations++;
    let result: InvocationResult;
    try {
      result = await this.run(pool.definition, worker, event, timing.coldStart);
    } finally {
      this.release(pool, worker);
    }
    this.options.onInvocation?.(pool.definition, event, result, {
      ...timing,
      durationMs: Date.now() - timing.startedAt,
    });
    return result;
  }

  /** Kills every execution environment (in-flight invocations end with an error). */
  public async stop(): Promise<void> {
    this.stopped = true;
    const children = [...new Set(this.pools.values())].flatMap((pool) => pool.workers.map((w) => w.child));
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolveExit) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
            child.once('exit', () => resolveExit());
            child.kill('SIGKILL');
          }),
      ),
    );
    process.removeListener('exit', this.killAllSync);
  }

  private readonly killAllSync = (): void => {
    for (const pool of this.pools.values()) for (const worker of pool.workers) worker.child.kill('SIGKILL');
  };

  private acquire(pool: Pool): Promise<Worker> {
    const idle = pool.workers.find((worker) => !worker.busy);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (pool.workers.length < (this.options.maxConcurrency ?? 4)) {
      const worker = { child: this.spawn(pool), busy: true, invocations: 0 };
      pool.workers.push(worker);
      return Promise.resolve(worker);
    }
    return new Promise((resolveWorker) => pool.waiting.push(resolveWorker));
  }

  private release(pool: Pool, worker: Worker): void {
    const { child } = worker;
    const alive = !child.killed && child.exitCode === null && child.signalCode === null && child.connected;
    if (!alive) {
      pool.workers.splice(pool.workers.indexOf(worker), 1);
      const next = pool.waiting.shift();
      if (next && !this.stopped) {
        const fresh = { child: this.spawn(pool), busy: true, invocations: 0 };
        pool.workers.push(fresh);
        next(fresh);
      }
      return;
    }
    const next = pool.waiting.shift();
    if (next) next(worker);
    else worker.busy = false;
  }

  private spawn(pool: Pool): ChildProcess {
    const fn = pool.definition;
    const logStream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TZ: 'UTC',
      LANG: 'en_US.UTF-8',
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      LAMBDA_TASK_ROOT: fn.codeDir,
      // Without local/function-node, workers run on this machine's Node, which may be older than
      // the function's runtime: the SDK's "upgrade Node" warning would repeat in every environment.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...this.options.sharedEnvironment,
      ...fn.environment,
      ...this.options.environmentFor?.(fn),
    };
    // Own process group: a terminal's Ctrl-C reaches only the runner, which lets in-flight
    // invocations finish; the worker still exits when the runner's IPC channel closes.
    const child = fork(WORKER_SCRIPT, [PROVIDED_SDK_BASE], {
      cwd: fn.codeDir,
      env,
      execPath: this.node.path,
      execArgv: [],
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const log = this.options.onLog ?? defaultLog;
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source) createInterface({ input: source }).on('line', (line) => line.trim() !== '' && log(line, fn, stream));
    }
    return child;
  }

  private run(
    fn: LocalFunctionDefinition,
    worker: Worker,
    event: unknown,
    coldStart: boolean,
  ): Promise<InvocationResult> {
    const id = randomUUID();
    const trace = fn.tracingMode === 'Active' ? this.options.traces?.begin(fn, id, coldStart) : undefined;
    const timeoutMs = fn.timeoutSeconds * 1000;
    const context = {
      awsRequestId: id,
      functionName: fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.functionArn,
      memoryLimitInMB: String(fn.memorySize),
      logGroupName: fn.logGroupName,
      logStreamName: `local/${fn.functionName}`,
      deadlineMs: Date.now() + timeoutMs,
    };
    const child = worker.child;
    return new Promise<InvocationResult>((resolveRun) => {
      const finish = (result: InvocationResult): void => {
        clearTimeout(timer);
        child.removeListener('message', onMessage);
        child.removeListener('exit', onExit);
        if (!trace) {
          resolveRun(result);
          return;
        }
        trace.end(result.kind === 'error' ? { error: { type: result.errorType, message: result.errorMessage } } : {});
        resolveRun({ ...result, traceId: trace.traceId });
      };
      const onMessage = (message: WorkerMessage): void => {
        if (message?.type !== 'result' || message.id !== id) return;
        // Init failures and crashes leave no reusable environment: the next invoke gets a fresh one.
        if (!message.ok && message.errorType?.startsWith('Runtime.')) child.kill('SIGKILL');
        finish(
          message.ok
            ? { kind: 'success', payload: message.payload ?? null }
            : { kind: 'error', errorType: message.errorType ?? 'Error', errorMessage: message.errorMessage ?? '' },
        );
      };
      const onExit = (code: number | null, signal: string | null): void =>
        finish({
          kind: 'error',
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${id} Error: Runtime exited ${signal ? `with signal ${signal}` : `with error: exit status ${code}`}`,
        });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish({
          kind: 'error',
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${id} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
        });
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({
        type: 'invoke',
        id,
        handlerFile: fn.handlerFile,
        handlerName: fn.handlerName,
        event,
        context,
        traceHeader: trace?.header,
      });
    });
  }
}

interface WorkerMessage {
  type?: string;
  id?: string;
  ok?: boolean;
  payload?: unknown;
  errorType?: string;
  errorMessage?: string;
}

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93];

/** A function's log line on this process's console, prefixed `[service]` (colored on a terminal). */
export function defaultLog(line: string, fn: LocalFunctionDefinition, stream: 'stdout' | 'stderr'): void {
  const out = stream === 'stderr' ? process.stderr : process.stdout;
  const color = COLORS[[...fn.serviceName].reduce((sum, c) => sum + c.charCodeAt(0), 0) % COLORS.length];
  const prefix = out.isTTY ? `\x1b[${color}m[${fn.serviceName}]\x1b[0m` : `[${fn.serviceName}]`;
  out.write(`${prefix} ${line}\n`);
}
