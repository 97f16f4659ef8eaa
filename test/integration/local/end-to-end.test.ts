import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { DEMO_ORDER, orderstreamLocalApp, outboxDirOf } from '../../../bin/local-app';
import type { InvocationResult } from '../../../local/esm/types';
import type { LocalFunctionDefinition } from '../../../local/functions';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../../local/runtime';
import { signedFetch } from '../../helpers/signed-fetch';

/**
 * Issue 3 acceptance: start the whole runtime (real synth, real emulators, bundled handlers, the
 * ESM engine), POST an order over HTTP, see its event reach every consumer, stop, restart on the
 * same data folder, and see nothing processed twice.
 */
jest.setTimeout(240_000);

interface Delivery {
  readonly service: string;
  readonly functionName: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly orderId: string;
  readonly ok: boolean;
}

const projectDir = resolve(__dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'orderstream-e2e-'));
const dataDir = join(work, 'data');
const cdkOutDir = join(work, 'cdk.out');
let deliveries: Delivery[] = [];
const functionLogs: string[] = [];

function recordDeliveries(fn: LocalFunctionDefinition, event: unknown, result: InvocationResult): void {
  const records = (event as Partial<KinesisStreamEvent>).Records;
  if (!Array.isArray(records)) return;
  for (const record of records) {
    const envelope = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as {
      eventId: string;
      eventType: string;
      orderId: string;
    };
    deliveries.push({
      service: fn.serviceName,
      functionName: fn.functionName,
      ...envelope,
      ok: result.kind === 'success',
    });
  }
}

function options(overrides: Partial<LocalRuntimeOptions> = {}): LocalRuntimeOptions {
  return {
    ...orderstreamLocalApp(),
    projectDir,
    dataDir,
    cdkOutDir,
    port: 0,
    kinesisPort: 0,
    dynamoDbPort: 0,
    log: () => undefined,
    onFunctionLog: (line, fn) => functionLogs.push(`[${fn.serviceName}] ${line}`),
    onInvocation: recordDeliveries,
    ...overrides,
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${functionLogs.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The API as the local storefront principal calls it (SigV4): `npm start` enforces the IAM routes. */
const storefront = (runtime: LocalRuntime) => runtime.access.principalOf('AKIASTOREFRONTLOCAL1');

async function placeOrder(runtime: LocalRuntime): Promise<string> {
  const response = await signedFetch(
    `${runtime.apiUrl}/orders`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DEMO_ORDER) },
    storefront(runtime),
  );
  expect(response.status).toBe(202);
  return ((await response.json()) as { orderId: string }).orderId;
}

async function orderStatus(runtime: LocalRuntime, orderId: string): Promise<string | undefined> {
  const response = await signedFetch(`${runtime.apiUrl}/orders/${orderId}`, {}, storefront(runtime));
  return response.status === 200 ? ((await response.json()) as { status: string }).status : undefined;
}

async function available(runtime: LocalRuntime, sku: string): Promise<number> {
  const response = await signedFetch(`${runtime.apiUrl}/inventory/${sku}`, {}, storefront(runtime));
  return ((await response.json()) as { available: number }).available;
}

const outboxFiles = (): string[] => (existsSync(outboxDirOf(dataDir)) ? readdirSync(outboxDirOf(dataDir)) : []);

describe('npm start end to end', () => {
  let runtime: LocalRuntime | undefined;
  afterAll(async () => {
    await runtime?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs an order through every consumer, and after a restart on the same data processes nothing twice', async () => {
    // Prepare: a fresh start (synthesizes the app, provisions, loads the demo catalog)
    runtime = await startLocalRuntime(options({ fresh: true }));
    const consumerServices = runtime.mappings
      .map((m) => runtime!.functions.definition(m.functionName).serviceName)
      .sort();
    expect(consumerServices).toEqual(['email', 'inventory', 'payment', 'projector', 'saga', 'shipping']);
    expect((await fetch(`${runtime.apiUrl}/health`)).status).toBe(200);
    const stockBefore = await available(runtime, DEMO_ORDER.items[0]!.sku);

    // Act 1: POST an order over HTTP and let the saga run
    const orderId = await placeOrder(runtime);
    await waitFor('the order to complete', async () =>
      (await orderStatus(runtime!, orderId)) === 'COMPLETED' ? true : undefined,
    );
    await runtime.idle({ timeoutMs: 60_000 });

    // Assess 1: ORDER_CREATED reached every consumer (each through its own mapping), all succeeded
    const created = deliveries.find((d) => d.orderId === orderId && d.eventType === 'ORDER_CREATED');
    expect(created).toBeDefined();
    const reached = deliveries.filter((d) => d.eventId === created!.eventId && d.ok).map((d) => d.service);
    expect([...new Set(reached)].sort()).toEqual(consumerServices);
    const eventTypes = new Set(deliveries.filter((d) => d.orderId === orderId).map((d) => d.eventType));
    expect([...eventTypes]).toEqual(
      expect.arrayContaining([
        'ORDER_CREATED',
        'RESERVE_INVENTORY',
        'PROCESS_PAYMENT',
        'SHIP_ORDER',
        'ORDER_COMPLETED',
      ]),
    );
    expect(await available(runtime, DEMO_ORDER.items[0]!.sku)).toBe(stockBefore - DEMO_ORDER.items[0]!.quantity);
    const emailsAfterFirstRun = await waitFor('the confirmation email', async () =>
      outboxFiles().length > 0 ? outboxFiles() : undefined,
    );
    // every (service, eventId) pair was delivered successfully exactly once so far
    const firstRun = deliveries.filter((d) => d.ok);
    const pairs = firstRun.map((d) => `${d.service}/${d.eventId}`);
    expect(new Set(pairs).size).toBe(pairs.length);

    // Act 2: stop, restart on the same data folder (no re-synth), let the mappings resume
    await runtime.stop();
    runtime = undefined;
    deliveries = [];
    runtime = await startLocalRuntime(options({ skipSynth: true }));
    await runtime.idle({ timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 2_000));
    await runtime.idle({ timeoutMs: 60_000 });

    // Assess 2: nothing that had succeeded was delivered again; the state is untouched
    const replayed = deliveries.filter((d) => pairs.includes(`${d.service}/${d.eventId}`));
    expect(replayed).toEqual([]);
    expect(await orderStatus(runtime, orderId)).toBe('COMPLETED');
    expect(await available(runtime, DEMO_ORDER.items[0]!.sku)).toBe(stockBefore - DEMO_ORDER.items[0]!.quantity);
    expect(outboxFiles()).toEqual(emailsAfterFirstRun);

    // ...and the restarted runtime still works: a second order completes
    const secondOrderId = await placeOrder(runtime);
    await waitFor('the second order to complete', async () =>
      (await orderStatus(runtime!, secondOrderId)) === 'COMPLETED' ? true : undefined,
    );
    expect(deliveries.filter((d) => d.orderId === orderId)).toEqual([]);
  });
});
