import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { DEMO_ORDER } from '../../../bin/local-app';
import {
  failedRecordFiles,
  getOrder,
  http,
  ledgerEntries,
  type OrderView,
  outboxEmails,
  putStock,
  reservationOf,
  serviceLogs,
  sleep,
  startTestRuntime,
  stockOf,
  type TestRuntime,
  waitFor,
  waitForTerminal,
} from '../../helpers/local-runtime';

/**
 * Issue 4 acceptance, end to end through HTTP on the local runtime (`npm start`): the real
 * synthesized template, the bundled handlers, kinesis-mock + DynamoDB Local and the local
 * event-source-mapping engine. One runtime for the whole file; every test uses its own SKUs.
 * Each scenario checks the state afterwards: read model, stock, the ledger (charges, refunds,
 * shipments, emails), the outbox, and how often the payment gateway / email sender ran.
 */
jest.setTimeout(120_000);

const run = randomUUID().slice(0, 8);
const sku = (name: string): string => `E2E-${name}-${run}`;

const ADDRESS = DEMO_ORDER.shippingAddress;

function orderBody(email: string, items: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}) {
  return {
    customerId: `c-${email.split('@')[0]}`,
    email,
    // a client-sent price must be ignored: prices come from the catalog
    items: items.map((item) => ({ ...item, unitPriceCents: 1, priceCents: 1 })),
    shippingAddress: ADDRESS,
    totalCents: 1,
    ...extra,
  };
}

async function placeOrder(h: TestRuntime, body: unknown, headers: Record<string, string> = {}): Promise<string> {
  const answer = await http<{ orderId: string; status: string }>(h, 'POST', '/orders', body, headers);
  if (answer.status !== 202) throw new Error(`POST /orders answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  expect(answer.body.status).toBe('PENDING');
  expect(answer.location).toBe(`/orders/${answer.body.orderId}`);
  return answer.body.orderId;
}

const statuses = (view: OrderView): string[] => view.history.map((entry) => entry.status);
const entry = (entries: Record<string, unknown>[], name: string) =>
  entries.find((e) => e.entry === name) as { outcome: Record<string, unknown>; status?: string } | undefined;

/** Waits until the order's emails are in the outbox and every mapping has caught up. */
async function settle(h: TestRuntime, orderId: string, emailKind: string): Promise<void> {
  await waitFor(
    h,
    `the ${emailKind} email of ${orderId} in the outbox`,
    async () => (outboxEmails(h, orderId).some((e) => e.kind === emailKind) ? true : undefined),
    { logFilter: orderId },
  );
  await h.runtime.idle({ timeoutMs: 30_000 });
}

describe('order lifecycle end to end on the local runtime', () => {
  let h: TestRuntime;

  beforeAll(async () => {
    h = await startTestRuntime();
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  afterEach(() => {
    // no record of any scenario exhausted its retries into the on-failure destination
    expect(failedRecordFiles(h)).toEqual([]);
  });

  it('completes an order: catalog prices, stock taken once, one charge, one shipment, one confirmation email', async () => {
    // Prepare
    const coffee = sku('happy-coffee');
    const mug = sku('happy-mug');
    await putStock(h, coffee, 10, 1250);
    await putStock(h, mug, 5, 899);

    // Act
    const orderId = await placeOrder(
      h,
      orderBody('happy@example.com', [
        { sku: coffee, quantity: 2 },
        { sku: mug, quantity: 1 },
      ]),
    );
    const view = await waitForTerminal(h, orderId);
    await settle(h, orderId, 'ORDER_COMPLETED');

    // Assess: the read model
    expect(view.status).toBe('COMPLETED');
    expect(statuses(view)).toEqual(['PENDING', 'INVENTORY_RESERVED', 'PAYMENT_PROCESSED', 'SHIPPED', 'COMPLETED']);
    expect(view.cancellationReason).toBeUndefined();
    expect([...view.items].sort((a, b) => a.sku.localeCompare(b.sku))).toEqual(
      [
        { sku: coffee, quantity: 2, unitPriceCents: 1250 },
        { sku: mug, quantity: 1, unitPriceCents: 899 },
      ].sort((a, b) => a.sku.localeCompare(b.sku)),
    );
    expect(view.totalCents).toBe(2 * 1250 + 899);
    expect(view.currency).toBe('USD');
    expect(view.email).toBe('happy@example.com');
    // stock: exactly the quantities
    expect(await stockOf(h, coffee)).toBe(8);
    expect(await stockOf(h, mug)).toBe(4);
    expect(await reservationOf(h, orderId)).toMatchObject({ status: 'RESERVED' });
    // ledger: one approved charge of the catalog total, no refund, one shipment, the email sent
    const ledger = await ledgerEntries(h, orderId);
    expect(entry(ledger, 'PAYMENT#CHARGE')?.outcome).toMatchObject({ status: 'APPROVED', amountCents: 3399 });
    expect(entry(ledger, 'PAYMENT#REFUND')).toBeUndefined();
    expect(entry(ledger, 'SHIPMENT')?.outcome).toMatchObject({ status: 'SHIPPED' });
    expect(entry(ledger, 'EMAIL#ORDER_COMPLETED')).toMatchObject({ status: 'SENT' });
    expect(entry(ledger, 'EMAIL#ORDER_CANCELLED')).toBeUndefined();
    expect(serviceLogs(h, 'payment', orderId, 'charge attempted')).toHaveLength(1);
    expect(serviceLogs(h, 'shipping', orderId, 'shipment attempted')).toHaveLength(1);
    // the outbox: exactly one email, the confirmation, to the customer
    const emails = outboxEmails(h, orderId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ kind: 'ORDER_COMPLETED', to: 'happy@example.com', orderId });
    expect(emails[0]!.body).toContain('33.99 USD');
    expect(serviceLogs(h, 'email', orderId, 'email sent')).toHaveLength(1);

    // ...and a completed order can no longer be cancelled
    const cancel = await http<{ status: number; detail: string }>(h, 'POST', `/orders/${orderId}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.contentType).toContain('application/problem+json');
  });

  it('cancels OUT_OF_STOCK when any line is short: nothing reserved, no payment, one cancellation email', async () => {
    // Prepare: the first line could be served, the second cannot
    const plenty = sku('oos-plenty');
    const scarce = sku('oos-scarce');
    await putStock(h, plenty, 10, 500);
    await putStock(h, scarce, 2, 700);

    // Act
    const orderId = await placeOrder(
      h,
      orderBody('oos@example.com', [
        { sku: plenty, quantity: 1 },
        { sku: scarce, quantity: 3 },
      ]),
    );
    const view = await waitForTerminal(h, orderId);
    await settle(h, orderId, 'ORDER_CANCELLED');

    // Assess
    expect(view.status).toBe('CANCELLED');
    expect(view.cancellationReason).toBe('OUT_OF_STOCK');
    expect(statuses(view)).toEqual(['PENDING', 'CANCELLED']);
    expect(await stockOf(h, plenty)).toBe(10);
    expect(await stockOf(h, scarce)).toBe(2);
    expect((await reservationOf(h, orderId))?.status).not.toBe('RESERVED');
    const ledger = await ledgerEntries(h, orderId);
    expect(entry(ledger, 'PAYMENT#CHARGE')).toBeUndefined();
    expect(entry(ledger, 'PAYMENT#REFUND')).toBeUndefined();
    expect(entry(ledger, 'SHIPMENT')).toBeUndefined();
    expect(serviceLogs(h, 'payment', orderId, 'charge attempted')).toHaveLength(0);
    const emails = outboxEmails(h, orderId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ kind: 'ORDER_CANCELLED', to: 'oos@example.com', orderId });
    expect(emails[0]!.body).toContain('OUT_OF_STOCK');
    expect(serviceLogs(h, 'email', orderId, 'email sent')).toHaveLength(1);
  });

  it('cancels PAYMENT_DECLINED: stock released back to the original, no successful charge, no refund, one email', async () => {
    // Prepare
    const item = sku('declined');
    await putStock(h, item, 5, 1000);

    // Act
    const orderId = await placeOrder(
      h,
      orderBody('declined@example.com', [{ sku: item, quantity: 2 }], { paymentToken: 'tok_chargeDeclined' }),
    );
    const view = await waitForTerminal(h, orderId);
    await settle(h, orderId, 'ORDER_CANCELLED');

    // Assess
    expect(view.status).toBe('CANCELLED');
    expect(view.cancellationReason).toBe('PAYMENT_DECLINED');
    expect(statuses(view)).toEqual(['PENDING', 'INVENTORY_RESERVED', 'CANCELLED']);
    expect(await stockOf(h, item)).toBe(5);
    expect(await reservationOf(h, orderId)).toMatchObject({ status: 'RELEASED' });
    const ledger = await ledgerEntries(h, orderId);
    expect(entry(ledger, 'PAYMENT#CHARGE')?.outcome).toMatchObject({ status: 'DECLINED' });
    expect(entry(ledger, 'PAYMENT#REFUND')).toBeUndefined();
    expect(entry(ledger, 'SHIPMENT')).toBeUndefined();
    expect(serviceLogs(h, 'payment', orderId, 'charge attempted')).toHaveLength(1);
    const emails = outboxEmails(h, orderId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ kind: 'ORDER_CANCELLED', to: 'declined@example.com' });
    expect(emails[0]!.body).toContain('PAYMENT_DECLINED');
    expect(serviceLogs(h, 'email', orderId, 'email sent')).toHaveLength(1);
  });

  it('cancels SHIPPING_FAILED (country AQ): charged and refunded once each, stock released, one email', async () => {
    // Prepare
    const item = sku('antarctica');
    await putStock(h, item, 4, 2500);

    // Act
    const orderId = await placeOrder(
      h,
      orderBody('penguin@example.com', [{ sku: item, quantity: 3 }], {
        shippingAddress: { ...ADDRESS, country: 'AQ' },
      }),
    );
    const view = await waitForTerminal(h, orderId);
    await settle(h, orderId, 'ORDER_CANCELLED');

    // Assess
    expect(view.status).toBe('CANCELLED');
    expect(view.cancellationReason).toBe('SHIPPING_FAILED');
    expect(statuses(view)).toEqual(['PENDING', 'INVENTORY_RESERVED', 'PAYMENT_PROCESSED', 'CANCELLED']);
    expect(await stockOf(h, item)).toBe(4);
    expect(await reservationOf(h, orderId)).toMatchObject({ status: 'RELEASED' });
    const ledger = await ledgerEntries(h, orderId);
    const charge = entry(ledger, 'PAYMENT#CHARGE')?.outcome;
    expect(charge).toMatchObject({ status: 'APPROVED', amountCents: 7500 });
    expect(entry(ledger, 'PAYMENT#REFUND')?.outcome).toEqual({ paymentId: charge?.paymentId, amountCents: 7500 });
    expect(entry(ledger, 'SHIPMENT')?.outcome).toMatchObject({ status: 'FAILED' });
    expect(serviceLogs(h, 'payment', orderId, 'charge attempted')).toHaveLength(1);
    expect(serviceLogs(h, 'payment', orderId, 'refund recorded')).toHaveLength(1);
    const emails = outboxEmails(h, orderId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ kind: 'ORDER_CANCELLED', to: 'penguin@example.com' });
    expect(emails[0]!.body).toContain('SHIPPING_FAILED');
    expect(serviceLogs(h, 'email', orderId, 'email sent')).toHaveLength(1);
  });

  it('honours a customer cancel that arrives while the payment is in flight: refund, release, CUSTOMER_REQUESTED, then 409', async () => {
    // Prepare: a slow payment provider for this order only — the payment function's invocation
    // carrying this order's PROCESS_PAYMENT is held until the saga has taken the cancel, so the
    // cancel deterministically arrives before shipping (and after the charge was requested).
    const item = sku('cancel');
    await putStock(h, item, 5, 700);
    const token = `tok_visa_slow_${run}`;
    const functions = h.runtime.functions;
    const invoke = functions.invoke.bind(functions);
    let holding = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    functions.invoke = async (functionName: string, event: unknown) => {
      if (functions.definition(functionName).serviceName === 'payment' && carriesPaymentToken(event, token)) {
        holding = true;
        await released;
      }
      return invoke(functionName, event);
    };

    let orderId: string;
    try {
      orderId = await placeOrder(
        h,
        orderBody('cancel@example.com', [{ sku: item, quantity: 2 }], { paymentToken: token }),
      );
      await waitFor(h, 'the payment invocation of the order to be held', async () => (holding ? true : undefined), {
        logFilter: orderId,
      });

      // Act: cancel over HTTP (404 until the projector has the order: retry, bounded)
      const cancel = await waitFor(
        h,
        `POST /orders/${orderId}/cancel to stop answering 404`,
        async () => {
          const answer = await http<{ orderId: string; cancellation: string }>(h, 'POST', `/orders/${orderId}/cancel`);
          return answer.status === 404 ? undefined : answer;
        },
        { timeoutMs: 15_000 },
      );
      expect(cancel.status).toBe(202);
      expect(cancel.body).toMatchObject({ orderId, cancellation: 'REQUESTED' });
      await waitFor(
        h,
        'the saga to take ORDER_CANCEL_REQUESTED',
        async () =>
          h.deliveries.some(
            (d) => d.service === 'saga' && d.orderId === orderId && d.eventType === 'ORDER_CANCEL_REQUESTED' && d.ok,
          )
            ? true
            : undefined,
        { logFilter: orderId },
      );
    } finally {
      release();
      functions.invoke = invoke;
    }
    const view = await waitForTerminal(h, orderId);
    await settle(h, orderId, 'ORDER_CANCELLED');

    // Assess: compensated in reverse order of what succeeded
    expect(view.status).toBe('CANCELLED');
    expect(view.cancellationReason).toBe('CUSTOMER_REQUESTED');
    expect(statuses(view)).not.toContain('SHIPPED');
    expect(statuses(view).at(-1)).toBe('CANCELLED');
    expect(await stockOf(h, item)).toBe(5);
    expect(await reservationOf(h, orderId)).toMatchObject({ status: 'RELEASED' });
    const ledger = await ledgerEntries(h, orderId);
    const charge = entry(ledger, 'PAYMENT#CHARGE')?.outcome;
    expect(charge).toMatchObject({ status: 'APPROVED', amountCents: 1400 });
    expect(entry(ledger, 'PAYMENT#REFUND')?.outcome).toEqual({ paymentId: charge?.paymentId, amountCents: 1400 });
    expect(entry(ledger, 'SHIPMENT')).toBeUndefined();
    const emails = outboxEmails(h, orderId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ kind: 'ORDER_CANCELLED', to: 'cancel@example.com' });
    expect(emails[0]!.body).toContain('CUSTOMER_REQUESTED');

    // ...and cancelling again is refused
    const again = await http<{ status: number; detail: string }>(h, 'POST', `/orders/${orderId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.contentType).toContain('application/problem+json');
    expect(again.body.status).toBe(409);
    expect(again.body.detail).toEqual(expect.any(String));
  });

  it('processes an ORDER_CREATED record put on the stream twice only once: one reservation, one charge, one email', async () => {
    // Prepare
    const item = sku('duplicate');
    await putStock(h, item, 5, 300);
    const orderId = await placeOrder(h, orderBody('twice@example.com', [{ sku: item, quantity: 2 }]));
    const original = await waitFor(
      h,
      'the ORDER_CREATED record to reach a consumer',
      async () => h.deliveries.find((d) => d.orderId === orderId && d.eventType === 'ORDER_CREATED'),
      { logFilter: orderId },
    );
    expect(original.partitionKey).toBe(orderId);

    // Act: the identical record onto the stream a second time, while the saga is running
    await h.kinesis.send(
      new PutRecordCommand({
        StreamName: h.streamName,
        PartitionKey: orderId,
        Data: Buffer.from(original.data, 'utf8'),
      }),
    );
    const view = await waitForTerminal(h, orderId);
    // every consumer has seen the record twice (so the duplicate was really processed)
    await waitFor(
      h,
      'every consumer to receive the duplicate',
      async () => {
        const services = ['saga', 'inventory', 'payment', 'shipping', 'email', 'projector'];
        const seenTwice = services.every(
          (service) =>
            h.deliveries.filter((d) => d.service === service && d.eventId === original.eventId && d.ok).length >= 2,
        );
        return seenTwice ? true : undefined;
      },
      { logFilter: orderId },
    );
    await settle(h, orderId, 'ORDER_COMPLETED');
    await sleep(500);
    await h.runtime.idle({ timeoutMs: 30_000 });

    // Assess
    expect(view.status).toBe('COMPLETED');
    expect(statuses(view)).toEqual(['PENDING', 'INVENTORY_RESERVED', 'PAYMENT_PROCESSED', 'SHIPPED', 'COMPLETED']);
    expect(statuses((await getOrder(h, orderId))!)).toEqual(statuses(view));
    expect(await stockOf(h, item)).toBe(3);
    expect(await reservationOf(h, orderId)).toMatchObject({ status: 'RESERVED', lines: [{ sku: item, quantity: 2 }] });
    const ledger = await ledgerEntries(h, orderId);
    expect(entry(ledger, 'PAYMENT#CHARGE')?.outcome).toMatchObject({ status: 'APPROVED', amountCents: 600 });
    expect(entry(ledger, 'PAYMENT#REFUND')).toBeUndefined();
    expect(serviceLogs(h, 'payment', orderId, 'charge attempted')).toHaveLength(1);
    expect(serviceLogs(h, 'shipping', orderId, 'shipment attempted')).toHaveLength(1);
    expect(outboxEmails(h, orderId)).toHaveLength(1);
    expect(serviceLogs(h, 'email', orderId, 'email sent')).toHaveLength(1);
  });

  it('sells exactly the stock to concurrent orders: 3 of 10 complete, 7 cancel OUT_OF_STOCK, stock never negative', async () => {
    // Prepare
    const item = sku('scarce');
    await putStock(h, item, 3, 4999);
    let lowest = 3;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        lowest = Math.min(lowest, await stockOf(h, item));
        await sleep(50);
      }
    })();

    // Act
    let views: OrderView[];
    try {
      const orderIds = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          placeOrder(h, orderBody(`buyer${i}@example.com`, [{ sku: item, quantity: 1 }])),
        ),
      );
      expect(new Set(orderIds).size).toBe(10);
      views = await Promise.all(orderIds.map((orderId) => waitForTerminal(h, orderId, 60_000)));
      await waitFor(h, 'an email for each of the 10 orders', async () =>
        orderIds.every((orderId) => outboxEmails(h, orderId).length > 0) ? true : undefined,
      );
      await h.runtime.idle({ timeoutMs: 30_000 });
    } finally {
      watching = false;
      await watcher;
    }

    // Assess
    const completed = views.filter((v) => v.status === 'COMPLETED');
    const cancelled = views.filter((v) => v.status === 'CANCELLED');
    expect(completed).toHaveLength(3);
    expect(cancelled).toHaveLength(7);
    expect(cancelled.every((v) => v.cancellationReason === 'OUT_OF_STOCK')).toBe(true);
    expect(await stockOf(h, item)).toBe(0);
    expect(lowest).toBeGreaterThanOrEqual(0);
    for (const view of views) {
      const charge = entry(await ledgerEntries(h, view.orderId), 'PAYMENT#CHARGE');
      if (view.status === 'COMPLETED') expect(charge?.outcome).toMatchObject({ status: 'APPROVED', amountCents: 4999 });
      else expect(charge).toBeUndefined();
      const emails = outboxEmails(h, view.orderId);
      expect(emails.map((e) => e.kind)).toEqual([view.status === 'COMPLETED' ? 'ORDER_COMPLETED' : 'ORDER_CANCELLED']);
    }
  });

  it('places one order per Idempotency-Key: a retry gets the same order, another body with the key is refused', async () => {
    // Prepare
    const item = sku('idempotent');
    await putStock(h, item, 5, 250);
    const key = `e2e-key-${run}`;
    const body = orderBody('retry@example.com', [{ sku: item, quantity: 1 }]);

    // Act
    const first = await placeOrder(h, body, { 'idempotency-key': key });
    const retry = await placeOrder(h, body, { 'idempotency-key': key });
    const otherBody = await http(h, 'POST', '/orders', orderBody('retry@example.com', [{ sku: item, quantity: 2 }]), {
      'idempotency-key': key,
    });
    const view = await waitForTerminal(h, first);
    await settle(h, first, 'ORDER_COMPLETED');

    // Assess
    expect(retry).toBe(first);
    expect(otherBody.status).toBe(422);
    expect(otherBody.contentType).toContain('application/problem+json');
    expect(view.status).toBe('COMPLETED');
    expect(await stockOf(h, item)).toBe(4);
    const orders = new Set(
      h.deliveries.filter((d) => d.eventType === 'ORDER_CREATED' && d.data.includes(item)).map((d) => d.orderId),
    );
    expect([...orders]).toEqual([first]);
    expect(serviceLogs(h, 'payment', first, 'charge attempted')).toHaveLength(1);
    expect(outboxEmails(h, first)).toHaveLength(1);
  });

  it('answers bad requests through the real HTTP server with problem+json: 400 with field paths, 422, 415, 404', async () => {
    // Prepare
    const item = sku('badinput');
    await putStock(h, item, 5, 100);

    // Act
    const invalid = await http<{ status: number; errors: { path: string }[] }>(h, 'POST', '/orders', {
      customerId: 'c-1',
      email: 'not-an-email',
      items: [{ sku: item, quantity: 0 }],
      shippingAddress: { ...ADDRESS, country: 'GBR' },
    });
    const malformed = await http(h, 'POST', '/orders', '{"customerId":', {});
    const unknownSku = await http<{ status: number; errors?: { path: string }[]; detail: string }>(
      h,
      'POST',
      '/orders',
      orderBody('nobody@example.com', [
        { sku: item, quantity: 1 },
        { sku: sku('no-such-sku'), quantity: 1 },
      ]),
    );
    const wrongType = await http(
      h,
      'POST',
      '/orders',
      JSON.stringify(orderBody('x@example.com', [{ sku: item, quantity: 1 }])),
      {
        'content-type': 'text/plain',
      },
    );
    const unknownOrder = await http(h, 'GET', `/orders/${randomUUID()}`);

    // Assess
    expect(invalid.status).toBe(400);
    expect(invalid.contentType).toContain('application/problem+json');
    expect(invalid.body.status).toBe(400);
    expect(invalid.body.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['email', 'items.0.quantity', 'shippingAddress.country']),
    );
    expect(malformed.status).toBe(400);
    expect(malformed.contentType).toContain('application/problem+json');
    expect(unknownSku.status).toBe(422);
    expect(unknownSku.contentType).toContain('application/problem+json');
    expect(JSON.stringify(unknownSku.body)).toContain(sku('no-such-sku'));
    expect(JSON.stringify(unknownSku.body)).toContain('items.1.sku');
    expect(wrongType.status).toBe(415);
    expect(wrongType.contentType).toContain('application/problem+json');
    expect(unknownOrder.status).toBe(404);
    expect(unknownOrder.contentType).toContain('application/problem+json');
    // nothing was accepted: the stock is untouched
    await h.runtime.idle({ timeoutMs: 10_000 });
    expect(await stockOf(h, item)).toBe(5);
  });
  it('sends a poison record to the on-failure destination of every mapping after its retries, without blocking orders', async () => {
    // Prepare
    const poison = `this is not an event ${run}`;
    const item = sku('after-poison');
    await putStock(h, item, 1, 100);

    // Act: a record no consumer can parse, then an ordinary order
    await h.kinesis.send(
      new PutRecordCommand({
        StreamName: h.streamName,
        PartitionKey: `poison-${run}`,
        Data: Buffer.from(poison, 'utf8'),
      }),
    );
    const orderId = await placeOrder(h, orderBody('after-poison@example.com', [{ sku: item, quantity: 1 }]));

    // Assess: the order is not held up by the poison record
    expect((await waitForTerminal(h, orderId)).status).toBe('COMPLETED');
    // each of the six mappings kept the record in the on-failure destination (S3 layout, Lambda's format)
    const files = await waitFor(
      h,
      'an on-failure record from each of the six mappings',
      async () => {
        const found = failedRecordFiles(h);
        const mappings = new Set(
          found.map((file) => file.split('/').find((part) => part.endsWith('EventSourceMapping'))),
        );
        return mappings.size === 6 ? found : undefined;
      },
      { timeoutMs: 90_000 },
    );
    for (const file of files) {
      expect(file).toMatch(
        /\/aws\/lambda\/\w+EventSourceMapping\/shardId-\d+\/\d{4}\/\d{2}\/\d{2}\/[\d-]+T[\d.]+-[0-9a-f-]{36}$/,
      );
      const record = JSON.parse(readFileSync(join(h.dataDir, 'failed-records', file), 'utf8')) as {
        requestContext: { condition: string; approximateInvokeCount: number };
        KinesisBatchInfo: { streamArn: string };
        payload: string;
      };
      expect(record.requestContext.condition).toBe('RetryAttemptsExhausted');
      expect(record.requestContext.approximateInvokeCount).toBeGreaterThan(1);
      expect(record.KinesisBatchInfo.streamArn).toContain(h.streamName);
      const kept = (JSON.parse(record.payload) as KinesisStreamEvent).Records.map((r) =>
        Buffer.from(r.kinesis.data, 'base64').toString('utf8'),
      );
      expect(kept).toContain(poison);
    }
    // the destination is expected to hold exactly these: clear it for the per-test check
    rmSync(join(h.dataDir, 'failed-records'), { recursive: true, force: true });
  });
});

function carriesPaymentToken(event: unknown, token: string): boolean {
  const records = (event as Partial<KinesisStreamEvent>).Records;
  if (!Array.isArray(records)) return false;
  return records.some((record) => {
    const data = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
    return data.includes('"PROCESS_PAYMENT"') && data.includes(`"${token}"`);
  });
}
