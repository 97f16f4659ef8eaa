import type { PutRecordsCommand, KinesisClient, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { KinesisEventPublisher } from '../../../../lambdas/adapters/kinesis-event-publisher';
import { PublishError } from '../../../../lambdas/ports/event-publisher';
import type { EventEnvelope } from '../../../../lambdas/shared/envelope';
import { anEnvelope } from '../../../helpers/kinesis-events';

/**
 * A scripted stand-in for the Kinesis client: throttling of individual entries cannot be
 * provoked on demand in kinesis-mock, so retry behaviour is unit-tested against a script.
 * (test/integration/lambdas/kinesis-event-publisher.test.ts covers the real emulator.)
 */
class ScriptedKinesis {
  public readonly calls: { partitionKeys: string[]; eventIds: string[] }[] = [];
  public constructor(private readonly script: ((count: number) => Partial<PutRecordsCommandOutput> | Error)[]) {}

  public async send(command: PutRecordsCommand): Promise<Partial<PutRecordsCommandOutput>> {
    const records = command.input.Records ?? [];
    this.calls.push({
      partitionKeys: records.map((record) => record.PartitionKey ?? ''),
      eventIds: records.map(
        (record) => (JSON.parse(Buffer.from(record.Data ?? []).toString()) as EventEnvelope).eventId,
      ),
    });
    const step = this.script[this.calls.length - 1] ?? allAccepted;
    const outcome = step(records.length);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

const allAccepted = (count: number): Partial<PutRecordsCommandOutput> => ({
  FailedRecordCount: 0,
  Records: Array.from({ length: count }, (_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-0' })),
});
const failIndexes =
  (...failed: number[]) =>
  (count: number): Partial<PutRecordsCommandOutput> => ({
    FailedRecordCount: failed.length,
    Records: Array.from({ length: count }, (_, i) =>
      failed.includes(i)
        ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
        : { SequenceNumber: String(i), ShardId: 'shardId-0' },
    ),
  });
const throttledCall = () =>
  Object.assign(new Error('Rate exceeded for stream'), { name: 'ProvisionedThroughputExceededException' });

function publisherWith(kinesis: ScriptedKinesis, maxAttempts = 4) {
  const sleeps: number[] = [];
  const publisher = new KinesisEventPublisher({
    client: kinesis as unknown as KinesisClient,
    streamName: 'orders',
    maxAttempts,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
  });
  return { publisher, sleeps };
}

describe('KinesisEventPublisher', () => {
  it('puts every event with its orderId as partition key in one call', async () => {
    // Prepare
    const kinesis = new ScriptedKinesis([]);
    const { publisher } = publisherWith(kinesis);
    const events = [anEnvelope(), anEnvelope(), anEnvelope()];
    // Act
    await publisher.publish(events);
    // Assess
    expect(kinesis.calls).toHaveLength(1);
    expect(kinesis.calls[0]?.partitionKeys).toEqual(events.map((event) => event.orderId));
  });

  it('retries only the entries that failed', async () => {
    // Prepare
    const kinesis = new ScriptedKinesis([failIndexes(1, 3)]);
    const { publisher, sleeps } = publisherWith(kinesis);
    const events = [anEnvelope(), anEnvelope(), anEnvelope(), anEnvelope()];
    // Act
    await publisher.publish(events);
    // Assess
    expect(kinesis.calls).toHaveLength(2);
    expect(kinesis.calls[1]?.eventIds).toEqual([events[1]?.eventId, events[3]?.eventId]);
    expect(sleeps).toHaveLength(1);
  });

  it('backs off exponentially with full jitter between attempts', async () => {
    // Prepare: random() = 0.5, base 100 ms, cap 1000 ms
    const kinesis = new ScriptedKinesis([failIndexes(0), failIndexes(0), failIndexes(0), failIndexes(0)]);
    const { publisher, sleeps } = publisherWith(kinesis, 5);
    // Act
    await publisher.publish([anEnvelope()]);
    // Assess: half of min(cap, base * 2^retry) for retries 1..4
    expect(sleeps).toEqual([100, 200, 400, 500]);
  });

  it('retries a throttled call as a whole', async () => {
    const kinesis = new ScriptedKinesis([throttledCall]);
    const { publisher } = publisherWith(kinesis);
    await publisher.publish([anEnvelope(), anEnvelope()]);
    expect(kinesis.calls).toHaveLength(2);
    expect(kinesis.calls[1]?.eventIds).toEqual(kinesis.calls[0]?.eventIds);
  });

  it('gives up with a PublishError after the attempt budget, naming what failed', async () => {
    // Prepare
    const kinesis = new ScriptedKinesis(Array.from({ length: 10 }, () => failIndexes(0)));
    const { publisher } = publisherWith(kinesis, 3);
    // Act
    const outcome = publisher.publish([anEnvelope(), anEnvelope()]);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(PublishError);
    await expect(outcome).rejects.toMatchObject({
      failedCount: 1,
      errorCodes: ['ProvisionedThroughputExceededException'],
    });
    expect(kinesis.calls).toHaveLength(3);
  });

  it('does not retry errors that cannot heal, such as a missing stream', async () => {
    const missing = Object.assign(new Error('Stream orders not found'), { name: 'ResourceNotFoundException' });
    const kinesis = new ScriptedKinesis([() => missing]);
    const { publisher } = publisherWith(kinesis);
    await expect(publisher.publish([anEnvelope()])).rejects.toMatchObject({
      errorCodes: ['ResourceNotFoundException'],
    });
    expect(kinesis.calls).toHaveLength(1);
  });

  it('splits more than 500 events into several calls', async () => {
    const kinesis = new ScriptedKinesis([]);
    const { publisher } = publisherWith(kinesis);
    await publisher.publish(Array.from({ length: 1_201 }, () => anEnvelope()));
    expect(kinesis.calls.map((call) => call.eventIds.length)).toEqual([500, 500, 201]);
  });

  it('refuses an event over the 1 MiB record limit before calling Kinesis', async () => {
    const kinesis = new ScriptedKinesis([]);
    const { publisher } = publisherWith(kinesis);
    const huge = anEnvelope({ payload: { blob: 'x'.repeat(1024 * 1024) } });
    await expect(publisher.publish([huge])).rejects.toThrow(/1 MiB/);
    expect(kinesis.calls).toHaveLength(0);
  });
});
