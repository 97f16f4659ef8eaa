import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { EventPayloadSchemas } from '../../../lambdas/domain/events';
import { useEmulators } from '../../helpers/emulators';
import {
  createActiveStream,
  createTable,
  ofOrder,
  pointSdkAtEmulators,
  readEnvelopes,
  type StreamEnvelope,
} from '../../helpers/emulator-resources';
import { anHttpEvent, anOrderRequest, anOrderView } from '../../helpers/api-fakes';
import { aLambdaContext } from '../../helpers/kinesis-events';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const STREAM = 'orderstream-api-test';
const TABLES = { orders: 'orders', inventory: 'inventory', idempotency: 'idempotency' };

/**
 * The API function as deployed: lambdas/api/handler.ts wired from its environment, with the
 * real KinesisEventPublisher, DynamoDB adapters and Powertools idempotency, pointed at the
 * emulators through AWS_ENDPOINT_URL_* (as the local runtime does).
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
    restoreEnv = pointSdkAtEmulators(emulators, {
      AWS_LAMBDA_FUNCTION_NAME: 'orderstream-api',
      STREAM_NAME: STREAM,
      ORDERS_TABLE: TABLES.orders,
      INVENTORY_TABLE: TABLES.inventory,
      IDEMPOTENCY_TABLE: TABLES.idempotency,
    });
    handler = loadHandler();
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
    // Prepare
    const headers = { 'idempotency-key': 'it-key-1' };

    // Act
    const first = await call(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));
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

    // Assess
    const accepted = responses.filter((response) => response.status === 202);
    const inProgress = responses.filter((response) => response.status === 409);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(accepted.length + inProgress.length).toBe(responses.length);
    expect(new Set(accepted.map((response) => response.body.orderId)).size).toBe(1);
    for (const response of inProgress) expect(response.headers['retry-after']).toBe('1');
    expect(await readEnvelopes(fixture().kinesis, STREAM, ofOrder(accepted[0]!.body.orderId))).toHaveLength(1);
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
    process.env.STREAM_NAME = 'no-such-stream';
    const broken = loadHandler();
    process.env.STREAM_NAME = STREAM;

    // Act
    const response = await broken(
      anHttpEvent('POST /orders', { body: anOrderRequest() }),
      aLambdaContext('orderstream-api'),
    );

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('2');
  });
});

function loadHandler(): Handler {
  let loaded: Handler | undefined;
  jest.isolateModules(() => {
    loaded = (require('../../../lambdas/api/handler') as { handler: Handler }).handler;
  });
  return loaded!;
}
