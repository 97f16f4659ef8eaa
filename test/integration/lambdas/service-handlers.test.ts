import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { DynamoDbInventory } from '../../../lambdas/adapters/dynamodb-inventory';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseEnvelope, type EventEnvelope } from '../../../lambdas/shared/envelope';
import { useEmulators } from '../../helpers/emulators';
import { aKinesisEvent, aLambdaContext } from '../../helpers/kinesis-events';
import { anOrderCreated, outcomeOf } from '../../helpers/order-events';

type ConsumerHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const STREAM = 'orderstream-services-test';

/**
 * The inventory, payment and shipping handler modules as deployed (createStreamConsumer +
 * Powertools idempotency + DynamoDB adapters + KinesisEventPublisher), fed Lambda Kinesis
 * events and read back from kinesis-mock.
 */
describe('inventory, payment and shipping handlers on the emulators', () => {
  const fixture = useEmulators();
  const savedEnv = { ...process.env };
  const handlers: Record<'inventory' | 'payment' | 'shipping', ConsumerHandler> = {} as never;

  beforeAll(async () => {
    const { kinesis, dynamodb, emulators } = fixture();
    await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await createTable(dynamodb, 'inventory', [['pk', 'HASH']]);
    await createTable(dynamodb, 'ledger', [['orderId', 'HASH'], ['entry', 'RANGE']]);
    await createTable(dynamodb, 'idempotency', [['id', 'HASH']]);
    await waitForActive(kinesis);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoDbEndpoint,
      STREAM_NAME: STREAM,
      INVENTORY_TABLE: 'inventory',
      LEDGER_TABLE: 'ledger',
      IDEMPOTENCY_TABLE: 'idempotency',
    });
    for (const service of ['inventory', 'payment', 'shipping'] as const) {
      process.env.AWS_LAMBDA_FUNCTION_NAME = `orderstream-${service}`;
      process.env.POWERTOOLS_SERVICE_NAME = service;
      jest.isolateModules(() => {
        handlers[service] = (require(`../../../lambdas/${service}/handler`) as { handler: ConsumerHandler }).handler;
      });
    }
  });

  afterAll(() => {
    process.env = savedEnv;
  });

  it('reserves stock for RESERVE_INVENTORY once, even when the record comes twice, and publishes INVENTORY_RESERVED', async () => {
    // Prepare
    const inventory = new DynamoDbInventory(DynamoDBDocumentClient.from(fixture().dynamodb), { tableName: 'inventory' });
    await inventory.putItem({ sku: 'H-SKU', available: 3, priceCents: 100 });
    const created = anOrderCreated();
    const reserve = outcomeOf(created, 'RESERVE_INVENTORY', { items: [{ sku: 'H-SKU', quantity: 2 }] });

    // Act
    const first = await handlers.inventory(aKinesisEvent([reserve]), aLambdaContext('orderstream-inventory'));
    const again = await handlers.inventory(aKinesisEvent([reserve, reserve]), aLambdaContext('orderstream-inventory'));

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect((await inventory.getItem('H-SKU'))?.available).toBe(1);
    const published = await recordsFor(fixture().kinesis, created.orderId);
    expect(published.map((event) => event.eventType)).toEqual(['INVENTORY_RESERVED']);
    expect(published[0]).toMatchObject({ causationId: reserve.eventId, correlationId: created.correlationId });
  });

  it('charges with PROCESS_PAYMENT and ships with SHIP_ORDER, publishing their outcomes', async () => {
    // Prepare
    const created = anOrderCreated();
    const charge = outcomeOf(created, 'PROCESS_PAYMENT', { customerId: 'c', amountCents: 3000, currency: 'USD' });
    const ship = outcomeOf(created, 'SHIP_ORDER', { shippingAddress: created.payload.shippingAddress, items: [{ sku: 'A', quantity: 1 }] });

    // Act
    const paid = await handlers.payment(aKinesisEvent([charge]), aLambdaContext('orderstream-payment'));
    const shipped = await handlers.shipping(aKinesisEvent([ship]), aLambdaContext('orderstream-shipping'));

    // Assess
    expect(paid.batchItemFailures).toEqual([]);
    expect(shipped.batchItemFailures).toEqual([]);
    const published = await recordsFor(fixture().kinesis, created.orderId);
    expect(published.map((event) => event.eventType)).toEqual(['PAYMENT_PROCESSED', 'ORDER_SHIPPED']);
  });
});

async function createTable(dynamodb: DynamoDBClient, tableName: string, keys: [string, 'HASH' | 'RANGE'][]): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
      AttributeDefinitions: keys.map(([AttributeName]) => ({ AttributeName, AttributeType: 'S' })),
    }),
  );
}

async function waitForActive(kinesis: KinesisClient): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`stream ${STREAM} not ACTIVE`);
}

async function recordsFor(kinesis: KinesisClient, orderId: string): Promise<EventEnvelope[]> {
  const found: EventEnvelope[] = [];
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
  for (const shard of shards) {
    let iterator = (
      await kinesis.send(new GetShardIteratorCommand({ StreamName: STREAM, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        const envelope = parseEnvelope(Buffer.from(record.Data!).toString('utf8'));
        if (envelope.orderId === orderId) found.push(envelope);
      }
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return found;
}
