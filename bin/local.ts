#!/usr/bin/env node
/**
 * `npm start`: the whole orderstream backend on this machine: the local runtime library
 * (local/runtime.ts) with this app's pieces (bin/local-app.ts) and the command-line options.
 * Ctrl-C (SIGINT) or SIGTERM shuts down gracefully; a second signal exits at once.
 */
import { parseCliOptions, USAGE, UsageError } from '../local/cli-options';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime';
import { orderstreamLocalApp } from './local-app';

// Node 20 is what this machine runs (README): the SDK's "2027 releases need Node 22" notice is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  let options: ReturnType<typeof parseCliOptions>;
  try {
    options = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }

  let runtime: LocalRuntime | undefined;
  let shuttingDown = false;
  const shutdown = (signal: string, code: number): void => {
    if (shuttingDown) {
      console.error(`[local] ${signal} again: exiting now`);
      process.exit(code || 130);
    }
    shuttingDown = true;
    console.log(`\n[local] ${signal}: stopping (in-flight batches finish, checkpoints are written)...`);
    const stop = runtime ? runtime.stop() : Promise.resolve();
    stop.then(
      () => {
        console.log('[local] stopped');
        process.exit(code);
      },
      (error: unknown) => {
        console.error('[local] error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  // A crash of the runner still stops workers and emulators (their exit hooks run on process.exit too).
  process.on('uncaughtException', (error) => {
    console.error('[local] crashed:', error);
    shutdown('crash', 1);
  });

  runtime = await startLocalRuntime({ ...orderstreamLocalApp(), ...options });
  if (shuttingDown) {
    await runtime.stop();
    return;
  }
  console.log(runtime.banner);
}

main().catch((error: unknown) => {
  console.error(`[local] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
