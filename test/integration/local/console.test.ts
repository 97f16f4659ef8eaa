import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { BrowserContext } from 'playwright-core';
import { DEMO_ORDER } from '../../../bin/local-app';
import {
  http,
  putStock,
  startTestRuntime,
  type TestRuntime,
  waitFor,
  waitForTerminal,
} from '../../helpers/local-runtime';

/**
 * The local console (`/_console`) in headless Chromium (the Debian `chromium` package, driven by
 * playwright-core): the whole local runtime runs, one order goes through, and the page shows the
 * orders by status, every consumer's lag and the order's timeline: its records and which consumer
 * handled each. Without /usr/bin/chromium the test is skipped locally, but fails under CI.
 */

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing under CI: install the Debian package chromium (.ci/run does)`);
if (!haveChromium) console.warn(`console.test.ts SKIPPED: ${CHROMIUM} not found (apt-get install chromium)`);
const describeWithChromium = haveChromium ? describe : describe.skip;

jest.setTimeout(120_000);

describeWithChromium('local console in headless Chromium', () => {
  let h: TestRuntime;
  let browser: BrowserContext | undefined;
  const work = mkdtempSync(join(tmpdir(), 'orderstream-console-'));

  beforeAll(async () => {
    h = await startTestRuntime();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    // the screenshot is kept (its path is printed) for a look; only the browser profile goes
    rmSync(join(work, 'profile'), { recursive: true, force: true });
  });

  it('shows orders by status, consumer lag, the on-failure folder with its replay, and one order timeline', async () => {
    const sku = DEMO_ORDER.items[0]!.sku;
    await putStock(h, sku, 10, 1250);
    // a record no consumer can parse: every mapping retries it, then sends it to the on-failure folder
    const poisonKey = `poison-${Date.now()}`;
    await h.kinesis.send(
      new PutRecordCommand({ StreamName: h.streamName, PartitionKey: poisonKey, Data: Buffer.from('not an event') }),
    );
    const placed = await http<{ orderId: string }>(h, 'POST', '/orders', DEMO_ORDER);
    expect(placed.status).toBe(202);
    const { orderId } = placed.body;
    expect((await waitForTerminal(h, orderId)).status).toBe('COMPLETED');
    // every consumer finished with the order's records (the saga's last events included)
    await h.runtime.idle({ timeoutMs: 30_000 });

    // the JSON behind the page; a record read by one mapping a moment before the others (a
    // scheduled sweep, say) shows as 1 behind until they read it too: take a settled view
    type Overview = {
      statuses: { counts: { value: string; count: number }[] };
      consumers: { consumer: string; recordsBehind: number; failedInvocations: number; failedBatches: number }[];
      failed: { objectCount: number; records: number };
    };
    let overview = await http<Overview>(h, 'GET', '/_console/api/overview');
    for (let tries = 0; tries < 30 && overview.body.consumers.some((c) => c.recordsBehind > 0); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      overview = await http<Overview>(h, 'GET', '/_console/api/overview');
    }
    expect(overview.status).toBe(200);
    expect(overview.body.statuses.counts).toEqual([{ value: 'COMPLETED', count: 1 }]);
    const consumers = overview.body.consumers;
    expect(consumers.length).toBe(h.runtime.mappings.filter((m) => m.enabled).length);
    for (const consumer of consumers) {
      expect(consumer).toMatchObject({ recordsBehind: 0, failedBatches: 1 });
      expect(consumer.failedInvocations).toBeGreaterThan(1);
    }
    expect(overview.body.failed).toEqual(expect.objectContaining({ objectCount: consumers.length }));
    expect(overview.body.failed.records).toBe(consumers.length);
    // the poison record's own timeline: failed invocations, then the on-failure folder, in every consumer
    const poison = await http<{ records: { type: string; handlings: { consumer: string; outcome: string }[] }[] }>(
      h,
      'GET',
      `/_console/api/timeline?key=${poisonKey}`,
    );
    expect(poison.body.records).toHaveLength(1);
    expect(poison.body.records[0]!.type).toBe('(not JSON)');
    const outcomes = poison.body.records[0]!.handlings;
    expect(new Set(outcomes.map((o) => o.outcome))).toEqual(new Set(['failed', 'sent-to-on-failure']));
    expect(new Set(outcomes.filter((o) => o.outcome === 'sent-to-on-failure').map((o) => o.consumer)).size).toBe(
      consumers.length,
    );
    expect((await http(h, 'GET', '/_console/api/timeline')).status).toBe(400);

    const { chromium } = await import('playwright-core');
    browser = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const consoleUrl = h.runtime.consoleUrl;
    expect(h.runtime.banner).toContain(consoleUrl);
    await page.goto(consoleUrl);

    // orders by status: one COMPLETED order
    const completed = page.locator('[data-testid=statuses] [data-status=COMPLETED] b');
    await completed.waitFor({ timeout: 10_000 });
    expect(await completed.textContent()).toBe('1');

    // the lag table: one row per consumer, none behind
    const rows = page.locator('[data-testid=consumers] tbody tr');
    await waitFor(h, 'the consumers table', async () => ((await rows.count()) > 0 ? true : undefined));
    expect(await rows.count()).toBe(overview.body.consumers.length);
    const consumerNames = await page.locator('[data-testid=consumers] tbody tr td:first-child').allTextContents();
    expect(consumerNames.sort()).toEqual(overview.body.consumers.map((c) => c.consumer).sort());

    // the order's timeline: every record of the order, with the consumers that handled it
    await page.fill('[data-testid=timeline-key]', orderId);
    await page.click('[data-testid=timeline-open]');
    const timeline = page.locator('[data-testid=timeline-table]');
    await timeline.waitFor({ timeout: 10_000 });
    const eventTypes = new Set(
      (await page
        .locator('[data-testid=timeline-table] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-type')))) as string[],
    );
    const delivered = h.deliveries.filter((d) => d.orderId === orderId);
    expect(delivered.length).toBeGreaterThan(0);
    expect(eventTypes).toEqual(new Set(delivered.map((d) => d.eventType)));
    const shownConsumers = new Set(await page.locator('[data-testid=timeline-consumer]').allTextContents());
    expect(shownConsumers).toEqual(new Set(delivered.map((d) => d.service)));
    expect(await timeline.textContent()).toContain('ORDER_CREATED');
    // handled and skipped apart (from the invocations' traces): the payment consumer only skips ORDER_CREATED
    const outcomeIn = (eventType: string, consumer: string) =>
      page
        .locator(`[data-testid=timeline-table] tbody tr[data-event-type=${eventType}]`)
        .filter({ has: page.locator('[data-testid=timeline-consumer]', { hasText: new RegExp(`^${consumer}$`) }) })
        .locator('[data-testid=timeline-outcome]')
        .getAttribute('data-outcome');
    expect(await outcomeIn('ORDER_CREATED', 'payment')).toBe('skipped');
    expect(await outcomeIn('PROCESS_PAYMENT', 'payment')).toBe('handled');

    // its X-Ray waterfall below: Lambda's segments, the functions' subsegments and their AWS calls
    const waterfallRows = page.locator('[data-testid=waterfall-row]');
    await waterfallRows.first().waitFor({ timeout: 10_000 });
    const kinds = new Set(await waterfallRows.evaluateAll((divs) => divs.map((div) => div.getAttribute('data-kind'))));
    expect(kinds).toEqual(new Set(['lambda', 'function', 'aws', 'subsegment']));

    // the stack's alarms, evaluated locally: one row each; the poison record's failures put the failed-records alarms in ALARM
    const alarms = await http<{ alarms: { logicalId: string; state: string }[] }>(h, 'GET', '/_console/api/alarms');
    const alarmRows = page.locator('[data-testid=alarms] tbody tr');
    await waitFor(h, 'the alarm list', async () => ((await alarmRows.count()) > 0 ? true : undefined));
    expect(await alarmRows.count()).toBe(alarms.body.alarms.length);
    expect(alarms.body.alarms.length).toBe(h.runtime.cloudwatch.alarmDefinitions.length);
    for (const alarm of alarms.body.alarms) expect(['OK', 'ALARM', 'INSUFFICIENT_DATA']).toContain(alarm.state);
    await waitFor(h, 'a failed-records alarm shown in ALARM', async () =>
      (await page.locator('[data-testid=alarms] tbody tr[data-state=ALARM]').count()) > 0 ? true : undefined,
    );
    // the dashboard's widgets drawn as charts, with data: API requests, iterator age per consumer, events/s
    const charts = page.locator('[data-testid=chart-widget]');
    await waitFor(h, 'charts with data', async () => {
      const points = await charts.evaluateAll((divs) => divs.map((div) => Number(div.getAttribute('data-points'))));
      return points.length > 0 && points.filter((n) => n > 0).length >= 3 ? true : undefined;
    });
    expect(await charts.count()).toBe(
      h.runtime.cloudwatch.dashboards[0]!.widgets.filter((w) => w.type === 'metric').length,
    );
    const titles = await page.locator('[data-testid=chart-widget] h3').allTextContents();
    expect(titles.some((t) => t.startsWith('Iterator age'))).toBe(true);
    expect(Number(await page.locator('[data-testid=chart-events]').getAttribute('data-points'))).toBeGreaterThan(0);
    await page.locator('#dashboard-section').screenshot({ path: join(work, 'dashboard.png') });
    await page.locator('#alarms-section').screenshot({ path: join(work, 'alarms.png') });
    console.log(`dashboard and alarms screenshots: ${join(work, 'dashboard.png')} ${join(work, 'alarms.png')}`);

    // the on-failure folder and its Replay button (npm run replay's code): the poison record, once
    expect(await page.locator('[data-testid=failed-summary]').textContent()).toContain(
      `${consumers.length} object(s), ${consumers.length} record(s)`,
    );
    await page.click('[data-testid=replay]');
    const replayResult = page.locator('[data-testid=replay-result]');
    await replayResult.filter({ hasText: 'put back' }).waitFor({ timeout: 20_000 });
    expect(await replayResult.textContent()).toContain(`1 record(s) found, 1 put back on ${h.streamName}`);
    // it is on the stream again: every consumer reads it (and fails on it) once more
    await waitFor(h, 'the replayed record read again', async () => {
      const again = await http<{ records: unknown[] }>(h, 'GET', `/_console/api/timeline?key=${poisonKey}`);
      return again.body.records.length === 2 ? true : undefined;
    });

    const screenshot = join(work, 'console.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`console screenshot: ${screenshot}`);
    expect(statSync(screenshot).size).toBeGreaterThan(10 * 1024);
  });
});
