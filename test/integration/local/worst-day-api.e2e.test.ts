import { randomUUID } from 'node:crypto';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DEMO_ORDER } from '../../../bin/local-app';
import { MAX_ORDER_TOTAL_CENTS, MAX_UNIT_PRICE_CENTS } from '../../../lambdas/domain/pricing';
import { expireIdempotencyRecordOf } from '../../helpers/idempotency-records';
import {
  failedRecordFiles,
  http,
  putStock,
  reservationOf,
  startTestRuntime,
  stockOf,
  type TestRuntime,
  waitFor,
  waitForTerminal,
} from '../../helpers/local-runtime';
import { signedFetch } from '../../helpers/signed-fetch';

/**
 * Issue 7, API side, end to end through HTTP on the local runtime (`npm start`: the synthesized
 * template, bundled handlers, kinesis-mock + DynamoDB Local, the local mappings). Locally there is
 * no authorizer: every caller is in the `anonymous` key scope (per-caller scoping is tested at the
 * handler with API Gateway authorizer contexts: test/unit/lambdas/api/worst-day.test.ts and
 * test/integration/lambdas/api-handler.test.ts). One runtime for the file; each test has its own SKUs.
 */
jest.setTimeout(120_000);

const run = randomUUID().slice(0, 8);
const sku = (name: string): string => `WD-${name}-${run}`;

function orderBody(items: { sku: string; quantity: number }[], email = 'worst@example.com') {
  return {
    customerId: `c-${run}`,
    email,
    items,
    shippingAddress: DEMO_ORDER.shippingAddress,
  };
}

async function placeOrder(h: TestRuntime, body: unknown, headers: Record<string, string> = {}): Promise<string> {
  const answer = await http<{ orderId: string }>(h, 'POST', '/orders', body, headers);
  if (answer.status !== 202) throw new Error(`POST /orders answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.orderId;
}

describe('worst day on the API, end to end on the local runtime', () => {
  let h: TestRuntime;

  beforeAll(async () => {
    h = await startTestRuntime();
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  afterEach(() => {
    expect(failedRecordFiles(h)).toEqual([]);
  });

  it('processes a NEW order when a key is reused with another body after its record expired', async () => {
    // Prepare: an order placed with a key, completed; then the key's record expires
    const item = sku('reuse');
    await putStock(h, item, 5, 400);
    const key = `wd-key-${run}`;
    const first = await placeOrder(h, orderBody([{ sku: item, quantity: 1 }]), { 'idempotency-key': key });
    expect((await waitForTerminal(h, first)).status).toBe('COMPLETED');
    const idempotencyTable = h.runtime.provisioned.tables.find((t) => t.logicalId.startsWith('Idempotency'))!.name;
    await expireIdempotencyRecordOf(h.documents, idempotencyTable, first);

    // Act
    const second = await placeOrder(h, orderBody([{ sku: item, quantity: 2 }]), { 'idempotency-key': key });

    // Assess: a second order, processed; the first untouched
    expect(second).not.toBe(first);
    const view = await waitForTerminal(h, second);
    expect(view).toMatchObject({ status: 'COMPLETED', totalCents: 800 });
    expect((await waitForTerminal(h, first)).totalCents).toBe(400);
    expect(await stockOf(h, item)).toBe(2);
  });

  it('shares the local anonymous key scope: the same key and body name one order, another body is refused', async () => {
    const item = sku('anon');
    await putStock(h, item, 5, 100);
    const headers = { 'idempotency-key': `wd-anon-${run}` };
    const first = await placeOrder(h, orderBody([{ sku: item, quantity: 1 }]), headers);
    const again = await placeOrder(h, orderBody([{ sku: item, quantity: 1 }]), headers);
    const other = await http(h, 'POST', '/orders', orderBody([{ sku: item, quantity: 3 }]), headers);
    expect(again).toBe(first);
    expect(other.status).toBe(422);
    expect((await waitForTerminal(h, first)).status).toBe('COMPLETED');
    expect(await stockOf(h, item)).toBe(4);
  });

  it('refuses a stock write on a version read before an order reserved (412), and adjusts without racing', async () => {
    // Prepare: an admin reads the SKU, then an order takes a unit
    const item = sku('ifmatch');
    await putStock(h, item, 5, 250);
    const read = await http<{ available: number }>(h, 'GET', `/inventory/${item}`);
    const readTag = (
      await signedFetch(`${h.apiUrl}/inventory/${item}`, {}, h.principals.get('storefront'))
    ).headers.get('etag')!;
    const orderId = await placeOrder(h, orderBody([{ sku: item, quantity: 1 }]));
    expect((await waitForTerminal(h, orderId)).status).toBe('COMPLETED');

    // Act: a restock computed from the old read; then the safe forms
    const stale = await http(
      h,
      'PUT',
      `/inventory/${item}`,
      { available: read.body.available + 10, priceCents: 250 },
      {
        'if-match': readTag,
      },
    );
    const blind = await http(h, 'PUT', `/inventory/${item}`, { available: 15, priceCents: 250 });
    const restock = await http<{ available: number }>(h, 'POST', `/inventory/${item}/adjustments`, { delta: 10 });
    const writeOff = await http(h, 'POST', `/inventory/${item}/adjustments`, { delta: -100 });

    // Assess: the reservation survived the stale write
    expect(stale.status).toBe(412);
    expect(stale.contentType).toContain('application/problem+json');
    expect(blind.status).toBe(428);
    expect(restock.status).toBe(200);
    expect(restock.body.available).toBe(14);
    expect(writeOff.status).toBe(409);
    expect(await stockOf(h, item)).toBe(14);
  });

  it('never reserves for an order answered OUT_OF_STOCK: restock, the same RESERVE_INVENTORY again, stock unchanged', async () => {
    // Prepare: refused, cancelled, then restocked
    const item = sku('oos');
    await putStock(h, item, 0, 300);
    const orderId = await placeOrder(h, orderBody([{ sku: item, quantity: 1 }]));
    expect(await waitForTerminal(h, orderId)).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'OUT_OF_STOCK',
    });
    const restock = await http(h, 'POST', `/inventory/${item}/adjustments`, { delta: 3 });
    expect(restock.status).toBe(200);
    const reserve = h.deliveries.find(
      (d) => d.service === 'inventory' && d.eventType === 'RESERVE_INVENTORY' && d.orderId === orderId,
    )!;
    const deliveriesOf = () =>
      h.deliveries.filter((d) => d.service === 'inventory' && d.eventId === reserve.eventId && d.ok);
    const before = deliveriesOf().length;

    // Act: the same record put on the stream again (a replay or redrive)
    await h.kinesis.send(
      new PutRecordCommand({
        StreamName: h.streamName,
        PartitionKey: reserve.partitionKey,
        Data: Buffer.from(reserve.data),
      }),
    );
    await waitFor(h, 'the inventory service to handle the replayed RESERVE_INVENTORY', async () =>
      deliveriesOf().length > before ? true : undefined,
    );
    await h.runtime.idle({ timeoutMs: 30_000 });

    // Assess: nothing taken; the same refusal (same eventId) answered; the order still CANCELLED
    expect(await stockOf(h, item)).toBe(3);
    expect(await reservationOf(h, orderId)).toMatchObject({ status: 'REJECTED' });
    const refusals = h.deliveries.filter(
      (d) => d.service === 'saga' && d.eventType === 'INVENTORY_RESERVATION_FAILED' && d.orderId === orderId,
    );
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(new Set(refusals.map((d) => d.eventId)).size).toBe(1);
    expect(h.deliveries.some((d) => d.eventType === 'INVENTORY_RESERVED' && d.orderId === orderId)).toBe(false);
    expect((await waitForTerminal(h, orderId)).status).toBe('CANCELLED');
  });

  it('refuses what cannot be processed where it enters: a price over the bound (400), a total over it (422)', async () => {
    const item = sku('gold');
    const price = await http(h, 'PUT', `/inventory/${item}`, { available: 500, priceCents: MAX_UNIT_PRICE_CENTS + 1 });
    await putStock(h, item, 500, MAX_UNIT_PRICE_CENTS);
    const total = await http<{ type: string; maxTotalCents: number }>(
      h,
      'POST',
      '/orders',
      orderBody([{ sku: item, quantity: MAX_ORDER_TOTAL_CENTS / MAX_UNIT_PRICE_CENTS + 1 }]),
    );
    expect(price.status).toBe(400);
    expect(total.status).toBe(422);
    expect(total.body).toMatchObject({
      type: 'urn:orderstream:problem:order-total-too-large',
      maxTotalCents: MAX_ORDER_TOTAL_CENTS,
    });
    expect(await stockOf(h, item)).toBe(500);
  });
});
