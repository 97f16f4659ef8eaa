import type { KinesisClient, PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { KinesisEventPublisher } from '../../../../lambdas/adapters/kinesis-event-publisher';
import type { EventEnvelope } from '../../../../lambdas/contract/envelope';
import { PublishError } from '../../../../lambdas/ports/event-publisher';
import { anEnvelope } from '../../../helpers/kinesis-events';

/**
 * A scripted stand-in for the Kinesis client: throttling of individual entries cannot be
 * provoked on demand in kinesis-mock, so retry behaviour is unit-tested against a script.
 * (test/integration/lambdas/kinesis-publisher-deadline.test.ts covers the real emulator.)
 */
type Step = (count: number, clock: FakeClock) => Partial<PutRecordsCommandOutput> | Error | 'hang';

/** Time for the publisher: advanced only by its (fake) sleeps and by scripted slow calls. */
class FakeClock {
  public ms = 1_000_000;
  public readonly sleeps: number[] = [];
  public readonly now = (): number => this.ms;
  public readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
  };
}

class ScriptedKinesis {
  public readonly calls: { partitionKeys: string[]; eventIds: string[] }[] = [];
  public readonly clock = new FakeClock();
  public constructor(private readonly script: Step[]) {}

  public async send(
    command: PutRecordsCommand,
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<Partial<PutRecordsCommandOutput>> {
    const records = command.input.Records ?? [];
    this.calls.push({
      partitionKeys: records.map((record) => record.PartitionKey ?? ''),
      eventIds: records.map(
        (record) => (JSON.parse(Buffer.from(record.Data ?? []).toString()) as EventEnvelope).eventId,
      ),
    });
    const step = this.script[this.calls.length - 1] ?? allAccepted;
    const outcome = step(records.length, this.clock);
    if (outcome === 'hang') {
      // a call whose answer never comes: only the publisher's abort at the deadline ends it
      return new Promise((_, reject) => {
        options.abortSignal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
        );
      });
    }
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

function publisherWith(kinesis: ScriptedKinesis, maxAttempts = 4, deadlineMs = 60_000, random = () => 0.5) {
  const publisher = new KinesisEventPublisher({
    client: kinesis as unknown as KinesisClient,
    streamName: 'orders',
    maxAttempts,
    deadlineMs,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    sleep: kinesis.clock.sleep,
    now: kinesis.clock.now,
    random,
  });
  return { publisher, sleeps: kinesis.clock.sleeps };
}

/** An error as the SDK raises it for a response with this HTTP status. */
const serviceError = (name: string, httpStatusCode: number) => () =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
const networkError = (code: string) => () => Object.assign(new Error(`connect ${code}`), { code });

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

  it('never sleeps past the deadline: gives up when the next back-off would end at or after it', async () => {
    // Prepare: deadline 1 s, random() = 0.99 -> back-offs 198, 396, 792 ms; 198 + 396 = 594 and 594 + 792 > 1000
    const kinesis = new ScriptedKinesis(Array.from({ length: 10 }, () => failIndexes(0)));
    const { publisher, sleeps } = publisherWith(kinesis, 10, 1_000, () => 0.99);
    const started = kinesis.clock.now();

    // Act
    const outcome = publisher.publish([anEnvelope()]);

    // Assess
    await expect(outcome).rejects.toMatchObject({ failedCount: 1, mayHaveBeenAccepted: false });
    expect(sleeps).toEqual([198, 396]);
    expect(kinesis.calls).toHaveLength(3);
    expect(kinesis.clock.now() - started).toBeLessThan(1_000);
  });

  it('counts slow calls against the deadline: no retry starts after it', async () => {
    // Prepare: each call takes 600 ms (throttled) with a 1 s deadline
    const slowThrottle = (_: number, clock: FakeClock) => {
      clock.ms += 600;
      return throttledCall();
    };
    const kinesis = new ScriptedKinesis([slowThrottle, slowThrottle, slowThrottle]);
    const { publisher } = publisherWith(kinesis, 10, 1_000);

    // Act
    const outcome = publisher.publish([anEnvelope()]);

    // Assess: 600 ms + back-off 100 ms + 600 ms > 1 s, then no third call
    await expect(outcome).rejects.toMatchObject({ errorCodes: ['ProvisionedThroughputExceededException'] });
    expect(kinesis.calls).toHaveLength(2);
  });

  it('aborts a call that outlives the deadline and says the records may have been accepted', async () => {
    // Prepare: a real 50 ms deadline and a call whose answer never comes
    const kinesis = new ScriptedKinesis([() => 'hang']);
    const publisher = new KinesisEventPublisher({
      client: kinesis as unknown as KinesisClient,
      streamName: 'orders',
      deadlineMs: 50,
    });

    // Act
    const outcome = publisher.publish([anEnvelope()]);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(PublishError);
    await expect(outcome).rejects.toMatchObject({ mayHaveBeenAccepted: true, errorCodes: ['AbortError'] });
    expect(kinesis.calls).toHaveLength(1);
  });

  it.each([
    ['a timeout', () => Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' })],
    ['a connection reset after sending', networkError('ECONNRESET')],
    ['a 5xx from Kinesis', serviceError('InternalFailure', 500)],
  ])('after %s, keeps retrying but remembers the records may be on the stream', async (_, failure) => {
    // Prepare: the ambiguous failure, then throttled entries until the attempts run out
    const kinesis = new ScriptedKinesis([failure, failIndexes(0), failIndexes(0)]);
    const { publisher } = publisherWith(kinesis, 3);

    // Act / Assess
    await expect(publisher.publish([anEnvelope()])).rejects.toMatchObject({
      mayHaveBeenAccepted: true,
      errorCodes: ['ProvisionedThroughputExceededException'],
    });
    expect(kinesis.calls).toHaveLength(3);
  });

  it('says nothing was accepted when every call was refused before storing (throttled, connection refused)', async () => {
    // Prepare
    const kinesis = new ScriptedKinesis([throttledCall, networkError('ECONNREFUSED'), failIndexes(0)]);
    const { publisher } = publisherWith(kinesis, 3);

    // Act / Assess
    await expect(publisher.publish([anEnvelope()])).rejects.toMatchObject({ mayHaveBeenAccepted: false });
    expect(kinesis.calls).toHaveLength(3);
  });

  it('succeeds when a retry after a timeout is accepted', async () => {
    const kinesis = new ScriptedKinesis([networkError('ECONNRESET')]);
    const { publisher } = publisherWith(kinesis);
    await publisher.publish([anEnvelope()]);
    expect(kinesis.calls).toHaveLength(2);
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
    const kinesis = new ScriptedKinesis([serviceError('ResourceNotFoundException', 400)]);
    const { publisher } = publisherWith(kinesis);
    await expect(publisher.publish([anEnvelope()])).rejects.toMatchObject({
      errorCodes: ['ResourceNotFoundException'],
      mayHaveBeenAccepted: false,
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

describe('KinesisEventPublisher.publishGroups', () => {
  it('puts every group in one call and says each group is on the stream', async () => {
    const kinesis = new ScriptedKinesis([]);
    const { publisher } = publisherWith(kinesis);
    const groups = [[anEnvelope(), anEnvelope()], [anEnvelope()], [anEnvelope()]];
    const outcomes = await publisher.publishGroups(groups);
    expect(outcomes).toEqual([undefined, undefined, undefined]);
    expect(kinesis.calls).toHaveLength(1);
    expect(kinesis.calls[0]!.eventIds).toEqual(groups.flat().map((event) => event.eventId));
  });

  it('fails only the groups whose entries stayed unconfirmed, each with its own count', async () => {
    // Prepare: entries 1 and 2 (group A's second, group B's only) throttled on every attempt
    const kinesis = new ScriptedKinesis([failIndexes(1, 2), failIndexes(0, 1), failIndexes(0, 1)]);
    const { publisher } = publisherWith(kinesis, 3);
    const groupA = [anEnvelope(), anEnvelope()];
    const groupB = [anEnvelope()];
    const groupC = [anEnvelope()];
    // Act
    const [a, b, c] = await publisher.publishGroups([groupA, groupB, groupC]);
    // Assess
    expect(a).toMatchObject({ failedCount: 1, errorCodes: ['ProvisionedThroughputExceededException'] });
    expect(a!.message).toMatch(/^1 of 2 records not confirmed/);
    expect(b).toMatchObject({ failedCount: 1 });
    expect(c).toBeUndefined();
    // the retries carried only the failed entries
    expect(kinesis.calls.map((call) => call.eventIds)).toEqual([
      [...groupA, ...groupB, ...groupC].map((event) => event.eventId),
      [groupA[1]!.eventId, groupB[0]!.eventId],
      [groupA[1]!.eventId, groupB[0]!.eventId],
    ]);
  });

  it('fails an oversized event’s group alone, before any call', async () => {
    const kinesis = new ScriptedKinesis([]);
    const { publisher } = publisherWith(kinesis);
    const fine = [anEnvelope()];
    const [oversized, ok] = await publisher.publishGroups([
      [anEnvelope({ payload: { blob: 'x'.repeat(1024 * 1024) } })],
      fine,
    ]);
    expect(oversized?.message).toMatch(/1 MiB/);
    expect(ok).toBeUndefined();
    expect(kinesis.calls.map((call) => call.eventIds)).toEqual([[fine[0]!.eventId]]);
  });

  it('fails every group of a call refused for good, and still puts the groups of the next call', async () => {
    const kinesis = new ScriptedKinesis([serviceError('AccessDeniedException', 400)]);
    const { publisher } = publisherWith(kinesis);
    const first = Array.from({ length: 300 }, () => anEnvelope());
    const second = Array.from({ length: 300 }, () => anEnvelope());
    const outcomes = await publisher.publishGroups([first, second]);
    expect(kinesis.calls.map((call) => call.eventIds.length)).toEqual([500, 100]);
    // the refused call carried all of the first group and 200 of the second
    expect(outcomes[0]).toMatchObject({ failedCount: 300, errorCodes: ['AccessDeniedException'] });
    expect(outcomes[1]).toMatchObject({ failedCount: 200, errorCodes: ['AccessDeniedException'] });
  });
});
