#!/usr/bin/env node
/**
 * `npm run soak -- [--orders N] [--clients N] [--fault-rate R] [--kill-after N | --no-kill] [--seed N]
 *                  [--settle-seconds S] [--work-dir DIR]`
 * The worst-day soak on the local runtime (see harness.ts); prints the report and exits 1 on any
 * violated invariant. Bounded: every wait in the harness has a deadline.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak, soakViolations } from './harness';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000' },
      clients: { type: 'string', default: '8' },
      'fault-rate': { type: 'string', default: '0.05' },
      'kill-after': { type: 'string' },
      'no-kill': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      'settle-seconds': { type: 'string', default: '1200' },
      'work-dir': { type: 'string' },
    },
  });
  const orders = positiveInteger('--orders', values.orders);
  const killAfter = values['no-kill']
    ? undefined
    : positiveInteger('--kill-after', values['kill-after'] ?? String(Math.floor(orders / 3)));
  const workDir = values['work-dir'] ?? mkdtempSync(join(tmpdir(), 'orderstream-soak-'));
  const report = await runSoak({
    orders,
    clients: positiveInteger('--clients', values.clients),
    faultRate: Number(values['fault-rate']),
    killAfterAccepted: killAfter,
    seed: positiveInteger('--seed', values.seed),
    settleTimeoutMs: positiveInteger('--settle-seconds', values['settle-seconds']) * 1_000,
    workDir,
  });
  console.log(JSON.stringify(report, null, 2));
  const problems = soakViolations(report);
  if (problems.length > 0) {
    console.error(`[soak] FAILED:\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`[soak] OK: ${report.accepted} accepted, all terminal, stock conserved, one email each, money balanced`);
}

function positiveInteger(flag: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} must be a positive integer, got '${value}'`);
  return parsed;
}

main().catch((error: unknown) => {
  console.error('[soak] error:', error);
  process.exit(1);
});
