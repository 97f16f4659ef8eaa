import { ANONYMOUS_SCOPE, callerScope } from '../../../../lambdas/api/caller';
import { orderCreatedEventId, orderIdForIdempotencyKey } from '../../../../lambdas/api/order-api';
import { MAX_ORDER_LINES, type PlaceOrderRequest } from '../../../../lambdas/api/schemas';
import { EventEnvelopeSchema } from '../../../../lambdas/contract/envelope';
import { EventPayloadSchemas } from '../../../../lambdas/contract/events';
import { MAX_AVAILABLE } from '../../../../lambdas/domain/inventory';
import { MAX_ORDER_TOTAL_CENTS, MAX_QUANTITY_PER_SKU, MAX_UNIT_PRICE_CENTS } from '../../../../lambdas/domain/pricing';
import {
  aCustomerOrderRequest,
  aJwtAuthorizer,
  anHttpEvent,
  anIamAuthorizer,
  anOrderRequest,
  anOrderView,
  aPublishError,
  routedApiOnFakes,
} from '../../../helpers/api-fakes';

/**
 * Issue 7, API side, at the handler boundary (API Gateway v2 events, port fakes): Idempotency-Keys
 * scoped per caller and safe after expiry, the 503 contract, stock writes that cannot race,
 * and bounds that keep every accepted order processable.
 */
function setup() {
  const { catalog, publisher, orders, idempotent, route } = routedApiOnFakes();
  /** POST /orders as a caller would send it; the answer with its parsed body. */
  const post = async (body: unknown, headers: Record<string, string> = {}, authorizer?: Record<string, unknown>) => {
    const response = await route(anHttpEvent('POST /orders', { body, headers, ...(authorizer ? { authorizer } : {}) }));
    return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? 'null') };
  };
  /** Marks an order as projected, as the read model would after ORDER_CREATED. */
  const project = (orderId: string) => orders.views.set(orderId, anOrderView({ orderId }));
  return { catalog, publisher, orders, idempotent, route, post, project };
}

const key = (value: string) => ({ 'idempotency-key': value });

describe('Idempotency-Key scoped to the caller', () => {
  it('derives the scope from the IAM principal, the JWT subject, or anonymous without an authorizer', () => {
    const event = (authorizer?: Record<string, unknown>) =>
      anHttpEvent('POST /orders', authorizer ? { authorizer } : {});
    expect(callerScope(event())).toBe(ANONYMOUS_SCOPE);
    expect(callerScope(event(anIamAuthorizer('arn:aws:iam::123456789012:user/ada')))).toBe(
      'iam:arn:aws:iam::123456789012:user/ada',
    );
    expect(callerScope(event(aJwtAuthorizer('user-1')))).toBe('jwt:https://issuer.example.com|user-1');
  });

  it('keeps an assumed role in one scope across sessions, so a retry with refreshed credentials is the same caller', () => {
    const scope = (session: string) =>
      callerScope(
        anHttpEvent('POST /orders', {
          authorizer: anIamAuthorizer(`arn:aws:sts::123456789012:assumed-role/shop-frontend/${session}`),
        }),
      );
    expect(scope('session-1')).toBe(scope('session-2'));
    expect(scope('session-1')).toBe('iam:arn:aws:sts::123456789012:assumed-role/shop-frontend');
  });

  it('refuses an authorized request that names no caller with 403 rather than pooling it with others', async () => {
    const { post, publisher } = setup();
    const answer = await post(anOrderRequest(), key('k'), { jwt: { claims: { iss: 'https://x' } } });
    expect(answer.status).toBe(403);
    expect(publisher.published).toHaveLength(0);
  });

  it.each([
    [
      'IAM principals',
      anIamAuthorizer('arn:aws:iam::1:user/ada'),
      anIamAuthorizer('arn:aws:iam::1:user/bob'),
      anOrderRequest(),
    ],
    // a JWT customer's body leaves customerId out: the token's subject is the customer
    ['JWT subjects', aJwtAuthorizer('ada'), aJwtAuthorizer('bob'), aCustomerOrderRequest()],
  ])('gives two %s using the same key and body two orders, neither seeing the other', async (_, ada, bob, body) => {
    // Prepare
    const { post, publisher } = setup();

    // Act
    const first = await post(body, key('shared-key'), ada);
    const second = await post(body, key('shared-key'), bob);
    const adaAgain = await post(body, key('shared-key'), ada);

    // Assess
    expect([first.status, second.status, adaAgain.status]).toEqual([202, 202, 202]);
    expect(second.body.orderId).not.toBe(first.body.orderId);
    expect(adaAgain.body.orderId).toBe(first.body.orderId);
    expect(new Set(publisher.ofType('ORDER_CREATED').map((event) => event.orderId))).toEqual(
      new Set([first.body.orderId, second.body.orderId]),
    );
  });

  it('does not refuse another caller whose key matches a key in use with another body (no 422 across callers)', async () => {
    const { post } = setup();
    await post(aCustomerOrderRequest(), key('k-1'), aJwtAuthorizer('ada'));
    const other = await post(
      aCustomerOrderRequest({ items: [{ sku: 'SKU-B', quantity: 1 }] }),
      key('k-1'),
      aJwtAuthorizer('bob'),
    );
    expect(other.status).toBe(202);
  });

  it('places a NEW order when a key is reused with another body after its record expired', async () => {
    // Prepare: the first order, processed, then the key's record expires
    const { post, publisher, idempotent, project } = setup();
    const first = await post(anOrderRequest(), key('reused'));
    project(first.body.orderId);
    idempotent.expire({ caller: ANONYMOUS_SCOPE, idempotencyKey: 'reused' });

    // Act
    const reused = await post(anOrderRequest({ items: [{ sku: 'SKU-B', quantity: 2 }] }), key('reused'));

    // Assess: a new order, on the stream with its own ORDER_CREATED
    expect(reused.status).toBe(202);
    expect(reused.body.orderId).not.toBe(first.body.orderId);
    const created = publisher.ofType('ORDER_CREATED').find((event) => event.orderId === reused.body.orderId);
    expect(created?.payload).toMatchObject({ items: [{ sku: 'SKU-B', quantity: 2 }] });
  });

  it('names the same order for the same caller, key and body at any time (key order in the body does not matter)', () => {
    const request = anOrderRequest() as PlaceOrderRequest;
    const reverseKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverseKeys)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([name, field]) => [name, reverseKeys(field)]),
            )
          : value;
    const reordered = reverseKeys(request) as PlaceOrderRequest;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(request));
    const scoped = { caller: ANONYMOUS_SCOPE, idempotencyKey: 'k' };
    expect(orderIdForIdempotencyKey(scoped, reordered)).toBe(orderIdForIdempotencyKey(scoped, request));
    expect(orderIdForIdempotencyKey({ ...scoped, caller: 'jwt:x|y' }, request)).not.toBe(
      orderIdForIdempotencyKey(scoped, request),
    );
  });

  it('heals a lost ORDER_CREATED: a retry answered from the stored result republishes the same event', async () => {
    // Prepare: the first request succeeded, but its record never reached the read model (lost)
    const { post, publisher } = setup();
    const first = await post(anOrderRequest(), key('lost'));

    // Act
    const retry = await post(anOrderRequest(), key('lost'));

    // Assess: same order, the same ORDER_CREATED (same eventId) put again
    expect(retry.status).toBe(202);
    expect(retry.body.orderId).toBe(first.body.orderId);
    const puts = publisher.ofType('ORDER_CREATED');
    expect(puts.map((event) => event.eventId)).toEqual([
      orderCreatedEventId(first.body.orderId),
      orderCreatedEventId(first.body.orderId),
    ]);
    expect(puts[1]!.payload).toEqual(puts[0]!.payload);
  });

  it('yields exactly one order when a put timed out after the stream took it, and the client retries', async () => {
    // Prepare: the stream takes the event but the publisher cannot confirm it
    const { post, publisher } = setup();
    publisher.failAfterAcceptingWith = aPublishError(true);
    const failed = await post(anOrderRequest(), key('timeout'));
    publisher.failAfterAcceptingWith = undefined;

    // Act
    const retry = await post(anOrderRequest(), key('timeout'));

    // Assess: the 503 named the order the retry then returns; both puts are the same event
    expect(failed.status).toBe(503);
    expect(failed.body.orderId).toBe(retry.body.orderId);
    expect(retry.status).toBe(202);
    expect(new Set(publisher.published.map((event) => event.eventId))).toEqual(
      new Set([orderCreatedEventId(retry.body.orderId)]),
    );
  });
});

describe('503 when the stream cannot confirm the order', () => {
  it.each([
    [true, true, /may exist.*same Idempotency-Key/],
    [false, true, /was not placed.*same Idempotency-Key/],
    [true, false, /may exist.*without an Idempotency-Key places another order/],
    [false, false, /was not placed.*Retry later/],
  ])(
    'says truthfully whether the order may exist (%s) and how to retry (key: %s)',
    async (mayExist, withKey, detail) => {
      // Prepare
      const { post, publisher } = setup();
      publisher.failWith = aPublishError(mayExist);

      // Act
      const answer = await post(anOrderRequest(), withKey ? key('k-503') : {});

      // Assess
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.headers['retry-after']).toBe('2');
      expect(answer.body).toMatchObject({
        type: 'urn:orderstream:problem:stream-unavailable',
        orderMayExist: mayExist,
      });
      expect(answer.body.orderId).toEqual(expect.any(String));
      expect(answer.body.detail).toMatch(detail);
    },
  );
});

describe('stock changes that cannot race', () => {
  const inventory = async (
    route: ReturnType<typeof setup>['route'],
    routeKey: string,
    sku: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await route(anHttpEvent(routeKey, { pathParameters: { sku }, body, headers }));
    return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? 'null') };
  };

  it('answers GET with the version as ETag and accepts a PUT with that ETag, bumping it', async () => {
    // Prepare
    const { route } = setup();
    const read = await inventory(route, 'GET /inventory/{sku}', 'SKU-A');

    // Act
    const written = await inventory(
      route,
      'PUT /inventory/{sku}',
      'SKU-A',
      { available: 20, priceCents: 1300 },
      {
        'if-match': read.headers.etag as string,
      },
    );

    // Assess
    expect(read.headers.etag).toBe('"1"');
    expect(written.status).toBe(200);
    expect(written.headers.etag).toBe('"2"');
    expect(written.body).toEqual({ sku: 'SKU-A', available: 20, priceCents: 1300 });
  });

  it('refuses a PUT with a stale ETag with 412, changing nothing (a reservation happened in between)', async () => {
    // Prepare: read, then an order reserves (the version moves)
    const { route, catalog } = setup();
    const read = await inventory(route, 'GET /inventory/{sku}', 'SKU-A');
    catalog.items.set('SKU-A', { sku: 'SKU-A', available: 9, priceCents: 1250, version: 2 });

    // Act: a restock computed from the old read
    const stale = await inventory(
      route,
      'PUT /inventory/{sku}',
      'SKU-A',
      { available: 15, priceCents: 1250 },
      {
        'if-match': read.headers.etag as string,
      },
    );

    // Assess
    expect(stale.status).toBe(412);
    expect(stale.body.type).toBe('urn:orderstream:problem:precondition-failed');
    expect(stale.headers.etag).toBe('"2"');
    expect((await catalog.getItem('SKU-A'))?.available).toBe(9);
  });

  it('answers a PUT without If-Match on an existing SKU with 428, and creates a new SKU without one', async () => {
    const { route, catalog } = setup();
    const blind = await inventory(route, 'PUT /inventory/{sku}', 'SKU-A', { available: 1, priceCents: 1 });
    const created = await inventory(route, 'PUT /inventory/{sku}', 'SKU-NEW', { available: 4, priceCents: 100 });
    expect(blind.status).toBe(428);
    expect(blind.body.type).toBe('urn:orderstream:problem:precondition-required');
    expect((await catalog.getItem('SKU-A'))?.available).toBe(10);
    expect(created.status).toBe(200);
    expect(created.headers.etag).toBe('"1"');
  });

  it('honours If-None-Match: * (create only) and If-Match: * (any existing), and 412s If-Match on a missing SKU', async () => {
    const { route } = setup();
    const body = { available: 1, priceCents: 1 };
    expect((await inventory(route, 'PUT /inventory/{sku}', 'SKU-A', body, { 'if-none-match': '*' })).status).toBe(412);
    expect((await inventory(route, 'PUT /inventory/{sku}', 'SKU-A', body, { 'if-match': '*' })).status).toBe(200);
    expect((await inventory(route, 'PUT /inventory/{sku}', 'NOPE', body, { 'if-match': '"1"' })).status).toBe(412);
    expect((await inventory(route, 'PUT /inventory/{sku}', 'SKU-B', body, { 'if-match': 'W/"1"' })).status).toBe(412);
    expect((await inventory(route, 'PUT /inventory/{sku}', 'SKU-B', body, { 'if-match': 'one' })).status).toBe(400);
  });

  it('adjusts stock relatively, refuses going below zero with 409, and 404s an unknown SKU', async () => {
    const { route, catalog } = setup();
    const restock = await inventory(route, 'POST /inventory/{sku}/adjustments', 'SKU-B', { delta: 5 });
    const tooMuch = await inventory(route, 'POST /inventory/{sku}/adjustments', 'SKU-B', { delta: -9 });
    const unknown = await inventory(route, 'POST /inventory/{sku}/adjustments', 'NOPE', { delta: 1 });
    const zero = await inventory(route, 'POST /inventory/{sku}/adjustments', 'SKU-B', { delta: 0 });
    expect(restock).toMatchObject({ status: 200, body: { sku: 'SKU-B', available: 8 }, headers: { etag: '"2"' } });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.type).toBe('urn:orderstream:problem:stock-out-of-range');
    expect(unknown.status).toBe(404);
    expect(zero.status).toBe(400);
    expect((await catalog.getItem('SKU-B'))?.available).toBe(8);
  });

  it('applies an adjustment with If-Match only at that version', async () => {
    const { route } = setup();
    const stale = await inventory(
      route,
      'POST /inventory/{sku}/adjustments',
      'SKU-B',
      { delta: 1 },
      {
        'if-match': '"7"',
      },
    );
    const current = await inventory(
      route,
      'POST /inventory/{sku}/adjustments',
      'SKU-B',
      { delta: 1 },
      {
        'if-match': '"1"',
      },
    );
    expect(stale.status).toBe(412);
    expect(current.status).toBe(200);
  });
});

describe('bounds: accept only what can be processed', () => {
  it('refuses a price, a stock or an adjustment over the bounds with 400', async () => {
    const { route } = setup();
    const put = (body: unknown) =>
      route(anHttpEvent('PUT /inventory/{sku}', { pathParameters: { sku: 'SKU-X' }, body }));
    expect((await put({ available: 1, priceCents: MAX_UNIT_PRICE_CENTS + 1 })).statusCode).toBe(400);
    expect((await put({ available: MAX_AVAILABLE + 1, priceCents: 1 })).statusCode).toBe(400);
    expect((await put({ available: MAX_AVAILABLE, priceCents: MAX_UNIT_PRICE_CENTS })).statusCode).toBe(200);
    const adjust = await route(
      anHttpEvent('POST /inventory/{sku}/adjustments', { pathParameters: { sku: 'SKU-X' }, body: { delta: 1 } }),
    );
    expect(adjust.statusCode).toBe(409);
  });

  it('refuses lines of one SKU that add up to more than the per-SKU limit, naming the line', async () => {
    const { post, publisher } = setup();
    const answer = await post(
      anOrderRequest({
        items: [
          { sku: 'SKU-A', quantity: 600 },
          { sku: 'SKU-B', quantity: 1 },
          { sku: 'SKU-A', quantity: 401 },
        ],
      }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'items.2.quantity', message: expect.stringContaining("'SKU-A'") }]);
    expect(publisher.published).toHaveLength(0);
  });

  it('refuses an order whose priced total passes the limit with 422 naming it, publishing nothing', async () => {
    const { post, publisher, catalog } = setup();
    catalog.items.set('GOLD', { sku: 'GOLD', available: 1_000, priceCents: MAX_UNIT_PRICE_CENTS, version: 1 });
    const answer = await post(anOrderRequest({ items: [{ sku: 'GOLD', quantity: 101 }] }));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      type: 'urn:orderstream:problem:order-total-too-large',
      maxTotalCents: MAX_ORDER_TOTAL_CENTS,
      totalCents: 101 * MAX_UNIT_PRICE_CENTS,
    });
    expect(answer.body.detail).toContain(String(MAX_ORDER_TOTAL_CENTS));
    expect(publisher.published).toHaveLength(0);
  });

  it('accepts the largest acceptable order, and every payload the consumers derive from it passes their schemas', async () => {
    // Prepare: the most lines, the most units per line, a total exactly at the limit, long strings
    const { post, publisher, catalog } = setup();
    const unitPrice = MAX_ORDER_TOTAL_CENTS / (MAX_ORDER_LINES * MAX_QUANTITY_PER_SKU);
    const items = Array.from({ length: MAX_ORDER_LINES }, (_, i) => ({
      sku: `BIG-${String(i).padStart(59, '0')}`,
      quantity: MAX_QUANTITY_PER_SKU,
    }));
    for (const { sku } of items) catalog.items.set(sku, { sku, available: 1, priceCents: unitPrice, version: 1 });
    const long = (n: number) => 'x'.repeat(n);

    // Act
    const answer = await post({
      customerId: long(128),
      email: `${long(64)}@${long(63)}.${long(63)}.com`.slice(0, 254),
      items,
      shippingAddress: { name: long(200), line1: long(200), city: long(100), postalCode: long(20), country: 'us' },
      paymentToken: long(128),
    });

    // Assess
    expect(answer.status).toBe(202);
    const [created] = publisher.published;
    expect(EventEnvelopeSchema.safeParse(created).success).toBe(true);
    const payload = EventPayloadSchemas.ORDER_CREATED.parse(created!.payload);
    expect(payload.totalCents).toBe(MAX_ORDER_TOTAL_CENTS);
    const lines = payload.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const summary = {
      customerId: payload.customerId,
      email: payload.email,
      items: payload.items,
      totalCents: payload.totalCents,
      currency: payload.currency,
    };
    const derived: [keyof typeof EventPayloadSchemas, unknown][] = [
      ['RESERVE_INVENTORY', { items: lines }],
      ['INVENTORY_RESERVED', { items: lines }],
      ['PROCESS_PAYMENT', { customerId: payload.customerId, amountCents: payload.totalCents, currency: 'USD' }],
      ['PAYMENT_PROCESSED', { paymentId: 'p-1', amountCents: payload.totalCents }],
      ['PAYMENT_REFUNDED', { paymentId: 'p-1', amountCents: payload.totalCents }],
      ['SHIP_ORDER', { shippingAddress: payload.shippingAddress, items: lines }],
      ['ORDER_COMPLETED', summary],
      ['ORDER_CANCELLED', { ...summary, reason: 'CUSTOMER_REQUESTED' }],
    ];
    for (const [eventType, derivedPayload] of derived) {
      expect([eventType, EventPayloadSchemas[eventType].safeParse(derivedPayload).success]).toEqual([eventType, true]);
    }
  });
});
