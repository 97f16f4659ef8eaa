import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { KinesisEventPublisher } from '../../../lambdas/adapters/kinesis-event-publisher';
import { createStreamConsumer } from '../../../lambdas/shared/stream-consumer';
import { parseEnvelope, type EventEnvelope } from '../../../lambdas/shared/envelope';
import { useEmulators } from '../../helpers/emulators';
import { aKinesisEvent, aLambdaContext, anEnvelope } from '../../helpers/kinesis-events';

describe('shared plumbing against the real emulators', () => {
  const fixture = useEmulators();

  it('publishes envelopes with orderId as partition key, all of an order in one shard, in order', async () => {
    // Prepare
    const { kinesis } = fixture();
    await kinesis.send(new CreateStreamCommand({ StreamName: 'orders', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await waitForActive(fixture, 'orders');
    const publisher = new KinesisEventPublisher({ client: kinesis, streamName: 'orders' });
    const orderA = Array.from({ length: 5 }, (_, i) => anEnvelope({ orderId: 'order-A', payload: { step: i } }));
    const orderB = Array.from({ length: 5 }, (_, i) => anEnvelope({ orderId: 'order-B', payload: { step: i } }));
    // Act
    for (let i = 0; i < 5; i++) await publisher.publish([orderA[i]!, orderB[i]!]);
    // Assess
    const byShard = await readAll(fixture, 'orders');
    for (const [orderId, published] of [['order-A', orderA], ['order-B', orderB]] as const) {
      const shards = [...byShard.entries()].filter(([, records]) => records.some((r) => r.orderId === orderId));
      expect(shards).toHaveLength(1);
      const received = shards[0]![1].filter((record) => record.orderId === orderId);
      expect(received.map((record) => record.eventId)).toEqual(published.map((event) => event.eventId));
    }
  });

  it('runs a consumer handler once per eventId when the same record is delivered twice', async () => {
    // Prepare: the idempotency table as the stack declares it
    const { dynamodb } = fixture();
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'idempotency',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    process.env.AWS_ENDPOINT_URL_DYNAMODB = fixture().emulators.dynamoDbEndpoint;
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'orderstream-test-inventory';
    const handled: string[] = [];
    const handler = createStreamConsumer({
      handlers: { RELEASE_INVENTORY: async (event) => void handled.push(event.eventId) },
      idempotencyTableName: 'idempotency',
    });
    const event = anEnvelope({ eventType: 'RELEASE_INVENTORY', payload: {} });
    // Act
    const first = await handler(aKinesisEvent([event]), aLambdaContext());
    const redelivered = await handler(aKinesisEvent([event, event]), aLambdaContext());
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(handled).toEqual([event.eventId]);
  });
});

async function waitForActive(fixture: ReturnType<typeof useEmulators>, streamName: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const summary = await fixture().kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${streamName} not ACTIVE`);
}

async function readAll(fixture: ReturnType<typeof useEmulators>, streamName: string): Promise<Map<string, EventEnvelope[]>> {
  const { kinesis } = fixture();
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const result = new Map<string, EventEnvelope[]>();
  for (const shard of shards) {
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const records = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    const envelopes = (records.Records ?? []).map((record) => {
      const envelope = parseEnvelope(Buffer.from(record.Data ?? []).toString('utf8'));
      expect(record.PartitionKey).toBe(envelope.orderId);
      return envelope;
    });
    if (envelopes.length > 0) result.set(shard.ShardId!, envelopes);
  }
  return result;
}
