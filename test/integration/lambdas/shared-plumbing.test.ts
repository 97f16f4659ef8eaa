import { KinesisEventPublisher } from '../../../lambdas/adapters/kinesis-event-publisher';
import { createStreamConsumer } from '../../../lambdas/shared/stream-consumer';
import { useEmulators } from '../../helpers/emulators';
import { createActiveStream, createTable, pointSdkAtEmulators, readEnvelopes } from '../../helpers/emulator-resources';
import { aKinesisEvent, aLambdaContext, anEnvelope } from '../../helpers/kinesis-events';

describe('shared plumbing against the real emulators', () => {
  const fixture = useEmulators();
  let restoreEnv: () => void = () => undefined;

  afterAll(() => {
    restoreEnv();
  });

  it('publishes envelopes with orderId as partition key, all of an order in one shard, in order', async () => {
    // Prepare
    const { kinesis } = fixture();
    await createActiveStream(kinesis, 'orders');
    const publisher = new KinesisEventPublisher({ client: kinesis, streamName: 'orders' });
    const orderA = Array.from({ length: 5 }, (_, i) => anEnvelope({ orderId: 'order-A', payload: { step: i } }));
    const orderB = Array.from({ length: 5 }, (_, i) => anEnvelope({ orderId: 'order-B', payload: { step: i } }));
    // Act
    for (let i = 0; i < 5; i++) await publisher.publish([orderA[i]!, orderB[i]!]);
    // Assess
    const records = await readEnvelopes(kinesis, 'orders');
    for (const record of records) expect(record.partitionKey).toBe(record.envelope.orderId);
    for (const [orderId, published] of [
      ['order-A', orderA],
      ['order-B', orderB],
    ] as const) {
      const received = records.filter((record) => record.envelope.orderId === orderId);
      expect(new Set(received.map((record) => record.shardId)).size).toBe(1);
      expect(received.map((record) => record.envelope.eventId)).toEqual(published.map((event) => event.eventId));
    }
  });

  it('runs a consumer handler once per eventId when the same record is delivered twice', async () => {
    // Prepare: the idempotency table as the stack declares it
    const { dynamodb } = fixture();
    await createTable(dynamodb, 'idempotency', [['id', 'HASH']]);
    restoreEnv = pointSdkAtEmulators(fixture().emulators, { AWS_LAMBDA_FUNCTION_NAME: 'orderstream-test-inventory' });
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
