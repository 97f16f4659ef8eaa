import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak, soakViolations } from '../../../bench/soak/harness';

/**
 * The small version of `npm run soak`: the whole local runtime in a child process, clients with
 * Idempotency-Keys, random consumer failures, one SIGKILL of the runtime's process group mid-load
 * and a restart. Every accepted order must end terminal, with stock, emails and money accounted for.
 */
describe('worst day, small: faults + SIGKILL + restart + client retries', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'orderstream-soak-test-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('leaves every accepted order terminal, stock conserved, one email each, money balanced', async () => {
    // Act
    const report = await runSoak({
      orders: 60,
      clients: 6,
      faultRate: 0.1,
      killAfterAccepted: 25,
      settleTimeoutMs: 150_000,
      workDir,
      log: () => undefined,
    });

    // Assess
    expect(soakViolations(report)).toEqual([]);
    expect(report.kills).toBe(1);
    expect(report.accepted).toBe(60);
    expect(report.completed).toBeGreaterThan(0);
    expect(Object.values(report.cancelled).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
  }, 420_000);
});
