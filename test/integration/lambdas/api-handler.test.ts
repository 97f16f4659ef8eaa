import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { orderCreatedEventId } from '../../../lambdas/api/order-api';
import { EventPayloadSchemas } from '../../../lambdas/contract/events';
import {
  aCustomerOrderRequest,
  aJwtAuthorizer,
  anHttpEvent,
  anIamAuthorizer,
  anOrderRequest,
  anOrderView,
} from '../../helpers/api-fakes';
import {
  createActiveStream,
  createTable,
  ofOrder,
  pointSdkAtEmulators,
  readEnvelopes,
  type StreamEnvelope,
} from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { startFaultyProxy } from '../../helpers/faulty-endpoints';
import { apiHandlerOn, type FunctionWiring } from '../../helpers/functions';
import { expireIdempotencyRecordOf } from '../../helpers/idempotency-records';
import { aLambdaContext } from '../../helpers/kinesis-events';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const STREAM = 'orderstream-api-test';
const TABLES = { orders: 'orders', inventory: 'inventory', idempotency: 'idempotency' };

/**
 * The API function composed as lambdas/api/handler.ts composes it (createApiHandler), with the
 * real KinesisEventPublisher, DynamoDB adapters and Powertools idempotency, on the emulators.
 */
describe('API handler against kinesis-mock and DynamoDB Local', () => {
  const fixture = useEmulators();
  let restoreEnv: () => void = () => undefined;
  let handler: Handler;

  beforeAll(async () => {
    const { kinesis, dynamodb, emulators } = fixture();
    await createActiveStream(kinesis, STREAM);
    await createTable(dynamodb, TABLES.orders, [['orderId', 'HASH']]);
    await createTable(dynamodb, TABLES.inventory, [['pk', 'HASH']]);
    await createTable(dynamodb, TABLES.idempotency, [['id', 'HASH']]);
    restoreEnv = pointSdkAtEmulators(emulators, { AWS_LAMBDA_FUNCTION_NAME: 'orderstream-api' });
    handler = apiHandler();
    for (const [sku, priceCents] of [
      ['SKU-A', 1250],
      ['SKU-B', 500],
    ] as const) {
      const put = await handler(
        anHttpEvent('PUT /inventory/{sku}', { pathParameters: { sku }, body: { available: 10, priceCents } }),
        aLambdaContext('orderstream-api'),
      );
      expect(put.statusCode).toBe(200);
    }
  });

  afterAll(() => {
    restoreEnv();
  });

  /** The API function as handler.ts composes it, on the emulators (`overrides`: a broken stream or endpoint). */
  function apiHandler(overrides: Partial<FunctionWiring> = {}): Handler {
    return apiHandlerOn({
      dynamodb: fixture().dynamodb,
      kinesisEndpoint: fixture().emulators.kinesisEndpoint,
      streamName: STREAM,
      tables: TABLES,
      ...overrides,
    });
  }

  async function call(
    event: APIGatewayProxyEventV2,
  ): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
    const response = await handler(event, aLambdaContext('orderstream-api'));
    return {
      status: response.statusCode ?? 0,
      headers: response.headers ?? {},
      body: JSON.parse(response.body ?? 'null'),
    };
  }

  it('puts ORDER_CREATED on the stream with the full envelope, partition key orderId, and answers 202', async () => {
    // Act
    const response = await call(anHttpEvent('POST /orders', { body: anOrderRequest({ paymentToken: 'tok_visa' }) }));

    // Assess
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ orderId: expect.any(String), status: 'PENDING' });
    expect(response.headers.location).toBe(`/orders/${response.body.orderId}`);
    const records = await readEnvelopes(fixture().kinesis, STREAM, ofOrder(response.body.orderId));
    expect(records).toHaveLength(1);
    const [{ partitionKey, envelope }] = records as [StreamEnvelope];
    expect(partitionKey).toBe(response.body.orderId);
    expect(envelope).toMatchObject({
      eventType: 'ORDER_CREATED',
      eventVersion: 1,
      orderId: response.body.orderId,
      correlationId: envelope.eventId,
      causationId: envelope.eventId,
    });
    const payload = EventPayloadSchemas.ORDER_CREATED.parse(envelope.payload);
    expect(payload).toMatchObject({
      customerId: 'cust-42',
      items: [
        { sku: 'SKU-A', quantity: 2, unitPriceCents: 1250 },
        { sku: 'SKU-B', quantity: 1, unitPriceCents: 500 },
      ],
      totalCents: 3000,
      paymentToken: 'tok_visa',
    });
  });

  it('returns the same order for a repeated Idempotency-Key and puts one record on the stream', async () => {
    // Prepare: the read model shows the order once it is placed (as the projector would)
    const headers = { 'idempotency-key': 'it-key-1' };
    const documents = DynamoDBDocumentClient.from(fixture().dynamodb);

    // Act
    const first = await call(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));
    await documents.send(
      new PutCommand({ TableName: TABLES.orders, Item: anOrderView({ orderId: first.body.orderId }) }),
    );
    const second = await call(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));
    const reused = await call(
      anHttpEvent('POST /orders', { body: anOrderRequest({ items: [{ sku: 'SKU-B', quantity: 9 }] }), headers }),
    );

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.orderId).toBe(first.body.orderId);
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('urn:orderstream:problem:idempotency-key-reused');
    expect(await readEnvelopes(fixture().kinesis, STREAM, ofOrder(first.body.orderId))).toHaveLength(1);
  });

  it('answers concurrent duplicates with one order: 202 or 409 in progress, never a second order', async () => {
    // Prepare
    const headers = { 'idempotency-key': 'it-key-concurrent' };

    // Act
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => call(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }))),
    );

    // Assess: one orderId; whatever is on the stream for it is its one ORDER_CREATED (a late duplicate
    // answered from the stored result may put it again while the read model does not show the order yet)
    const accepted = responses.filter((response) => response.status === 202);
    const inProgress = responses.filter((response) => response.status === 409);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(accepted.length + inProgress.length).toBe(responses.length);
    expect(new Set(accepted.map((response) => response.body.orderId)).size).toBe(1);
    for (const response of inProgress) expect(response.headers['retry-after']).toBe('1');
    const orderId = accepted[0]!.body.orderId as string;
    const records = await readEnvelopes(fixture().kinesis, STREAM, ofOrder(orderId));
    expect(new Set(records.map((record) => record.envelope.eventId))).toEqual(new Set([orderCreatedEventId(orderId)]));
  });

  it('refuses an unknown SKU with 422 and puts nothing on the stream', async () => {
    // Prepare
    const before = (await readEnvelopes(fixture().kinesis, STREAM)).length;

    // Act
    const response = await call(
      anHttpEvent('POST /orders', { body: anOrderRequest({ items: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] }) }),
    );

    // Assess
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.detail).toContain('NO-SUCH-SKU');
    expect(await readEnvelopes(fixture().kinesis, STREAM)).toHaveLength(before);
  });

  it('reads an order from the read model and answers 404 for an unknown one', async () => {
    // Prepare
    const documents = DynamoDBDocumentClient.from(fixture().dynamodb);
    await documents.send(
      new PutCommand({
        TableName: TABLES.orders,
        Item: anOrderView({ orderId: 'order-in-table', status: 'COMPLETED' }),
      }),
    );

    // Act
    const found = await call(anHttpEvent('GET /orders/{orderId}', { pathParameters: { orderId: 'order-in-table' } }));
    const missing = await call(anHttpEvent('GET /orders/{orderId}', { pathParameters: { orderId: 'order-nowhere' } }));
    const cancel = await call(
      anHttpEvent('POST /orders/{orderId}/cancel', { pathParameters: { orderId: 'order-in-table' } }),
    );

    // Assess
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ orderId: 'order-in-table', status: 'COMPLETED', totalCents: 2500 });
    expect(missing.status).toBe(404);
    expect(cancel.status).toBe(409);
  });

  it('reads the stock and price set by PUT /inventory/{sku}', async () => {
    // Act
    const response = await call(anHttpEvent('GET /inventory/{sku}', { pathParameters: { sku: 'SKU-B' } }));

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sku: 'SKU-B', available: 10, priceCents: 500 });
  });

  it('answers 503 with Retry-After when the stream cannot take the event', async () => {
    // Prepare: the same function configured with a stream that does not exist
    const broken = apiHandler({ streamName: 'no-such-stream' });

    // Act
    const response = await broken(
      anHttpEvent('POST /orders', { body: anOrderRequest() }),
      aLambdaContext('orderstream-api'),
    );

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('2');
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ orderMayExist: false });
  });

  describe('worst day', () => {
    const eventIdsOf = async (orderId: string) =>
      (await readEnvelopes(fixture().kinesis, STREAM, ofOrder(orderId))).map((record) => record.envelope.eventId);

    it('scopes Idempotency-Keys per caller: the same key and body from two callers are two orders', async () => {
      // Prepare
      const headers = { 'idempotency-key': 'it-shared-key' };
      const ada = anIamAuthorizer('arn:aws:iam::123456789012:user/ada');
      const bob = aJwtAuthorizer('bob');
      // a JWT customer may only name itself: the service ada places the order for bob too
      const body = anOrderRequest({ customerId: 'bob' });

      // Act
      const fromAda = await call(anHttpEvent('POST /orders', { body, headers, authorizer: ada }));
      const fromBob = await call(anHttpEvent('POST /orders', { body, headers, authorizer: bob }));
      const adaAgain = await call(anHttpEvent('POST /orders', { body, headers, authorizer: ada }));

      // Assess
      expect([fromAda.status, fromBob.status, adaAgain.status]).toEqual([202, 202, 202]);
      expect(fromBob.body.orderId).not.toBe(fromAda.body.orderId);
      expect(adaAgain.body.orderId).toBe(fromAda.body.orderId);
      expect(await eventIdsOf(fromBob.body.orderId)).toEqual([orderCreatedEventId(fromBob.body.orderId)]);
      expect(new Set(await eventIdsOf(fromAda.body.orderId))).toEqual(
        new Set([orderCreatedEventId(fromAda.body.orderId)]),
      );
    });

    it("keeps a JWT customer to its own orders: its subject on the order, another's order answered as unknown", async () => {
      // Prepare
      const dana = aJwtAuthorizer('dana');
      const eve = aJwtAuthorizer('eve');
      const headers = { 'idempotency-key': 'it-own-orders' };
      const documents = DynamoDBDocumentClient.from(fixture().dynamodb);

      // Act
      const placed = await call(
        anHttpEvent('POST /orders', { body: aCustomerOrderRequest(), headers, authorizer: dana }),
      );
      const orderId = placed.body.orderId as string;
      await documents.send(
        new PutCommand({ TableName: TABLES.orders, Item: anOrderView({ orderId, customerId: 'dana' }) }),
      );
      const retried = await call(
        anHttpEvent('POST /orders', { body: anOrderRequest({ customerId: 'dana' }), headers, authorizer: dana }),
      );
      const forged = await call(
        anHttpEvent('POST /orders', { body: anOrderRequest({ customerId: 'dana' }), authorizer: eve }),
      );
      const at = (routeKey: string, id: string, authorizer: Record<string, unknown>) =>
        handler(anHttpEvent(routeKey, { pathParameters: { orderId: id }, authorizer }), aLambdaContext('api'));
      const own = await at('GET /orders/{orderId}', orderId, dana);
      const othersRead = await at('GET /orders/{orderId}', orderId, eve);
      const othersCancel = await at('POST /orders/{orderId}/cancel', orderId, eve);
      await documents.send(new DeleteCommand({ TableName: TABLES.orders, Key: { orderId } }));
      const unknownRead = await at('GET /orders/{orderId}', orderId, eve);
      const unknownCancel = await at('POST /orders/{orderId}/cancel', orderId, eve);

      // Assess: one order for dana; eve can neither order in her name nor tell her order from none
      expect([placed.status, retried.status]).toEqual([202, 202]);
      expect(retried.body.orderId).toBe(orderId);
      const records = await readEnvelopes(fixture().kinesis, STREAM, ofOrder(orderId));
      expect(new Set(records.map((record) => record.envelope.eventId))).toEqual(
        new Set([orderCreatedEventId(orderId)]),
      );
      expect(records[0]?.envelope.payload).toMatchObject({ customerId: 'dana' });
      expect(forged.status).toBe(403);
      expect(forged.body.type).toBe('urn:orderstream:problem:customer-mismatch');
      expect(own.statusCode).toBe(200);
      expect(othersRead.statusCode).toBe(404);
      expect(othersRead).toEqual(unknownRead);
      expect(othersCancel).toEqual(unknownCancel);
      expect(records.filter((record) => record.envelope.eventType === 'ORDER_CANCEL_REQUESTED')).toHaveLength(0);
    });

    it('places a new order when a key is reused with another body after its record expired', async () => {
      // Prepare
      const headers = { 'idempotency-key': 'it-reused-after-expiry' };
      const first = await call(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));
      await expireIdempotencyRecordOf(
        DynamoDBDocumentClient.from(fixture().dynamodb),
        TABLES.idempotency,
        first.body.orderId,
      );

      // Act
      const reused = await call(
        anHttpEvent('POST /orders', { body: anOrderRequest({ items: [{ sku: 'SKU-B', quantity: 3 }] }), headers }),
      );

      // Assess: a new order with its own ORDER_CREATED on the stream
      expect(reused.status).toBe(202);
      expect(reused.body.orderId).not.toBe(first.body.orderId);
      const [created] = await readEnvelopes(fixture().kinesis, STREAM, ofOrder(reused.body.orderId));
      expect(created?.envelope.payload).toMatchObject({ items: [{ sku: 'SKU-B', quantity: 3, unitPriceCents: 500 }] });
    });

    it('heals an order whose ORDER_CREATED was lost: the retry with the same key puts the same event again', async () => {
      // Prepare: the first attempt's record went to a stream nobody reads (as if lost in a crash)
      await createActiveStream(fixture().kinesis, 'orderstream-lost');
      const headers = { 'idempotency-key': 'it-lost-record' };
      const lost = apiHandler({ streamName: 'orderstream-lost' });
      const first = await lost(
        anHttpEvent('POST /orders', { body: anOrderRequest(), headers }),
        aLambdaContext('orderstream-api'),
      );
      const orderId = JSON.parse(first.body ?? '{}').orderId as string;

      // Act
      const retry = await call(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));

      // Assess
      expect(first.statusCode).toBe(202);
      expect(retry.status).toBe(202);
      expect(retry.body.orderId).toBe(orderId);
      expect(await eventIdsOf(orderId)).toEqual([orderCreatedEventId(orderId)]);
    });

    it('answers 503 saying the order may exist when the put was accepted but unconfirmed; the retry yields one order', async () => {
      // Prepare: the way back from kinesis-mock is cut, the deadline short
      const proxy = await startFaultyProxy(fixture().emulators.kinesisEndpoint, 'swallow-responses');
      const headers = { 'idempotency-key': 'it-timeout' };
      const started = Date.now();
      const cut = apiHandler({ kinesisEndpoint: proxy.url, publishDeadlineMs: 700 });
      const failed = await cut(
        anHttpEvent('POST /orders', { body: anOrderRequest(), headers }),
        aLambdaContext('api'),
      ).finally(() => proxy.close());
      const elapsedMs = Date.now() - started;
      const problem = JSON.parse(failed.body ?? '{}');

      // Act
      const retry = await call(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));

      // Assess: a timely, truthful 503; then the same order, every copy on the stream the same event
      expect(failed.statusCode).toBe(503);
      expect(failed.headers?.['content-type']).toBe('application/problem+json');
      expect(failed.headers?.['retry-after']).toBe('2');
      expect(problem).toMatchObject({ orderMayExist: true, orderId: expect.any(String) });
      expect(problem.detail).toMatch(/may exist.*same Idempotency-Key/);
      expect(elapsedMs).toBeLessThan(3_000);
      expect(retry.status).toBe(202);
      expect(retry.body.orderId).toBe(problem.orderId);
      const eventIds = await eventIdsOf(problem.orderId);
      expect(eventIds.length).toBeGreaterThanOrEqual(2);
      expect(new Set(eventIds)).toEqual(new Set([orderCreatedEventId(problem.orderId)]));
    });

    it('writes stock only on the version read: ETag, 412 on a stale If-Match, 428 without one, adjustments', async () => {
      // Prepare
      const sku = 'SKU-VERSIONED';
      const at = (routeKey: string, body?: unknown, headers: Record<string, string> = {}) =>
        call(anHttpEvent(routeKey, { pathParameters: { sku }, body, headers }));
      const created = await at('PUT /inventory/{sku}', { available: 5, priceCents: 100 });

      // Act
      const adjusted = await at('POST /inventory/{sku}/adjustments', { delta: -2 });
      const stale = await at(
        'PUT /inventory/{sku}',
        { available: 50, priceCents: 100 },
        {
          'if-match': created.headers.etag as string,
        },
      );
      const blind = await at('PUT /inventory/{sku}', { available: 50, priceCents: 100 });
      const fresh = await at(
        'PUT /inventory/{sku}',
        { available: 50, priceCents: 100 },
        {
          'if-match': adjusted.headers.etag as string,
        },
      );
      const below = await at('POST /inventory/{sku}/adjustments', { delta: -51 });

      // Assess
      expect(created).toMatchObject({ status: 200, headers: { etag: '"1"' } });
      expect(adjusted).toMatchObject({ status: 200, body: { available: 3 }, headers: { etag: '"2"' } });
      expect(stale).toMatchObject({ status: 412, headers: { etag: '"2"' } });
      expect(blind.status).toBe(428);
      expect(fresh).toMatchObject({ status: 200, body: { available: 50 }, headers: { etag: '"3"' } });
      expect(below.status).toBe(409);
      expect((await at('GET /inventory/{sku}')).body.available).toBe(50);
    });
  });
});
