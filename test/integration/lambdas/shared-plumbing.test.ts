import { KinesisEventPublisher } from '../../../lambdas/adapters/kinesis-event-publisher';
import { createActiveStream, readEnvelopes } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { anEnvelope } from '../../helpers/kinesis-events';

describe('shared plumbing against the real emulators', () => {
  const fixture = useEmulators();

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
});
