import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/emulators';
import type { LocalFunctionDefinition } from '../local/functions';
import { resolveWorkerNode } from '../local/worker-node';
import { alternate, median, type Report } from './report';
import type { SynthesizedApp } from './synthesized';

/** The budget of issue 9 for one minified function bundle. */
export const BUNDLE_BUDGET_BYTES = 450 * 1024;

const PROJECT = resolve(__dirname, '..');
const UNBUNDLED_DIR = join(PROJECT, '.tmp', 'bench', 'unbundled');
const ROUNDS = Number(process.env.BENCH_INIT_ROUNDS ?? 5);

export interface BundleFigures {
  readonly service: string;
  readonly bundleKB: number;
  readonly withinBudget: boolean;
  readonly initBundledMs: number;
  readonly initUnbundledMs: number;
}

/**
 * Each function's bundle (as `cdk synth` built it) against the 450 KB budget, and its module init
 * time: a fresh Node process (the functions' Node, see local/worker-node.ts) loading the bundle vs
 * loading the same code unbundled (lambdas/ transpiled file by file, packages from node_modules).
 * The AWS SDK is outside both, as on Lambda where the runtime provides it.
 */
export async function bundlesBenchmark({ functions }: SynthesizedApp, report: Report): Promise<void> {
  await build({
    entryPoints: ['lambdas/**/*.ts'],
    outdir: join(UNBUNDLED_DIR, 'lambdas'),
    outbase: 'lambdas',
    absWorkingDir: PROJECT,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
  const node = resolveWorkerNode();
  console.log(`bundles: size (budget ${BUNDLE_BUDGET_BYTES / 1024} KB) and module init on Node ${node.version}`);
  const figures: BundleFigures[] = [];
  for (const fn of functions) {
    const unbundled = join(UNBUNDLED_DIR, 'lambdas', fn.serviceName, 'handler.js');
    if (!existsSync(unbundled)) throw new Error(`no source handler for ${fn.serviceName} (expected ${unbundled})`);
    const times = await alternate(ROUNDS, {
      bundled: async () => initMs(node.path, fn, fn.handlerFile),
      unbundled: async () => initMs(node.path, fn, unbundled),
    });
    const result: BundleFigures = {
      service: fn.serviceName,
      bundleKB: Math.round(statSync(fn.handlerFile).size / 1024),
      withinBudget: statSync(fn.handlerFile).size <= BUNDLE_BUDGET_BYTES,
      initBundledMs: Math.round(median(times.bundled)),
      initUnbundledMs: Math.round(median(times.unbundled)),
    };
    figures.push(result);
    console.log(
      `bundles ${fn.serviceName}: ${result.bundleKB} KB${result.withinBudget ? '' : ' (OVER BUDGET)'}, init ` +
        `${result.initBundledMs} ms bundled vs ${result.initUnbundledMs} ms unbundled (medians of ${ROUNDS})`,
    );
  }
  report.bundles = { budgetKB: BUNDLE_BUDGET_BYTES / 1024, node: node.version, rounds: ROUNDS, figures };
}

/** Milliseconds a fresh process takes to load `file` (the module's init: imports, clients, config). */
function initMs(nodePath: string, fn: LocalFunctionDefinition, file: string): number {
  const script =
    'const t = process.hrtime.bigint(); require(process.argv[1]); ' +
    'process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));';
  const out = execFileSync(nodePath, ['-e', script, file], {
    cwd: PROJECT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...fn.environment,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    },
    encoding: 'utf8',
  });
  return Number(out);
}
