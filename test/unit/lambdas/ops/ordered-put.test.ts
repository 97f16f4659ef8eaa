import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { RawRecord } from '../../../../lambdas/adapters/kinesis-event-publisher';
import { MAX_ENTRIES_PER_CALL, OrderedPutter, type OrderedPutterOptions } from '../../../../lambdas/ops/ordered-put';

/** A record whose data names it, e.g. `A1`. */
function aRecord(key: string, n: number, bytes = 0): RawRecord {
  const name = `${key}${n}`;
  return { partitionKey: key, data: Buffer.from(bytes > 0 ? name.padEnd(bytes, '.') : name), label: name };
}

const nameOf = (data: Uint8Array | undefined) => Buffer.from(data!).toString('utf8').replace(/\.+$/, '');

/**
 * A stand-in for Kinesis's PutRecords: keeps what it accepts (the "stream"), and refuses the
 * entries `refuse` names (per call: the record's name and how many times it was sent before).
 */
class FakeKinesis {
  public readonly calls: string[][] = [];
  public readonly stream: string[] = [];
  private readonly sent = new Map<string, number>();

  public constructor(
    private readonly refuse: (name: string, sentBefore: number) => string | undefined = () => undefined,
    private readonly throwOnCall: (call: number) => Error | undefined = () => undefined,
  ) {}

  public async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const entries = command.input.Records ?? [];
    const names = entries.map((entry) => nameOf(entry.Data));
    this.calls.push(names);
    const thrown = this.throwOnCall(this.calls.length);
    if (thrown) throw thrown;
    const Records = names.map((name) => {
      const sentBefore = this.sent.get(name) ?? 0;
      this.sent.set(name, sentBefore + 1);
      const ErrorCode = this.refuse(name, sentBefore);
      if (ErrorCode) return { ErrorCode, ErrorMessage: `${name} refused` };
      this.stream.push(name);
      return { SequenceNumber: String(this.stream.length), ShardId: 'shardId-0' };
    });
    return { Records, FailedRecordCount: Records.filter((r) => 'ErrorCode' in r).length, $metadata: {} };
  }

  /** What the stream holds for one key, in order. */
  public ofKey(key: string): string[] {
    return this.stream.filter((name) => name.replace(/\d+$/, '') === key);
  }
}

/** A putter on a fake clock: sleeping advances it, and each sleep is recorded. */
function aPutter(client: FakeKinesis, options: Partial<OrderedPutterOptions> = {}) {
  let clock = 0;
  const sleeps: number[] = [];
  const putter = new OrderedPutter({
    client,
    streamName: 'orders',
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.999,
    ...options,
  });
  return { putter, sleeps };
}

const throttled = 'ProvisionedThroughputExceededException';

describe('OrderedPutter', () => {
  it('keeps each key in order when earlier records are refused, never two of one key in a call', async () => {
    // Prepare: A1 refused twice, B2 once
    const kinesis = new FakeKinesis((name, sentBefore) =>
      (name === 'A1' && sentBefore < 2) || (name === 'B2' && sentBefore < 1) ? throttled : undefined,
    );
    const { putter } = aPutter(kinesis);
    const records = [aRecord('A', 1), aRecord('B', 1), aRecord('A', 2), aRecord('B', 2), aRecord('A', 3)];

    // Act
    const result = await putter.put(records);

    // Assess
    expect(result.notPut).toEqual([]);
    expect(kinesis.ofKey('A')).toEqual(['A1', 'A2', 'A3']);
    expect(kinesis.ofKey('B')).toEqual(['B1', 'B2']);
    for (const call of kinesis.calls) {
      const keys = call.map((name) => name[0]);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(result.put.map((record) => record.label)).toEqual(kinesis.stream);
  });

  it('fills calls with up to 500 records of different keys', async () => {
    const kinesis = new FakeKinesis();
    const { putter } = aPutter(kinesis);
    const records = Array.from({ length: 1_200 }, (_, i) => aRecord(`K${i}x`, 1));

    const result = await putter.put(records);

    expect(kinesis.calls.map((call) => call.length)).toEqual([MAX_ENTRIES_PER_CALL, MAX_ENTRIES_PER_CALL, 200]);
    expect(kinesis.stream).toEqual(records.map((record) => record.label));
    expect(result.calls).toBe(3);
  });

  it('keeps each call within 5 MiB', async () => {
    const kinesis = new FakeKinesis();
    const { putter } = aPutter(kinesis);
    // 12 records of 500 KiB: 10 fit in 5 MiB (with their keys), the 11th does not
    const records = Array.from({ length: 12 }, (_, i) => aRecord(`K${i}x`, 1, 500 * 1024));

    await putter.put(records);

    expect(kinesis.calls.map((call) => call.length)).toEqual([10, 2]);
  });

  it('gives up a record after its attempt budget, holds back the rest of its key, puts every other key', async () => {
    // Prepare: B1 is always refused
    const kinesis = new FakeKinesis((name) => (name === 'B1' ? throttled : undefined));
    const { putter, sleeps } = aPutter(kinesis, { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 });
    const records = [aRecord('A', 1), aRecord('B', 1), aRecord('B', 2), aRecord('A', 2), aRecord('B', 3)];

    // Act
    const result = await putter.put(records);

    // Assess: B1 sent exactly 4 times, B2 and B3 never sent
    expect(kinesis.calls.flat().filter((name) => name === 'B1')).toHaveLength(4);
    expect(kinesis.calls.flat()).not.toContain('B2');
    expect(kinesis.stream).toEqual(['A1', 'A2']);
    expect(result.notPut.map(({ record, errorCode, attempts }) => [record.label, errorCode, attempts])).toEqual([
      ['B1', throttled, 4],
      ['B2', 'BlockedByEarlierRecord', 0],
      ['B3', 'BlockedByEarlierRecord', 0],
    ]);
    expect(result.notPut[0]!.errorMessage).toMatch(/after 4 attempts/);
    // backoff doubles from 100 ms and is capped at 250 ms (random ~1 takes the whole cap)
    expect(sleeps.every((ms) => ms <= 250)).toBe(true);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(99 + 199 + 249);
  });

  it('retries a throttled call as a whole, and stops on an error that retrying cannot fix', async () => {
    // A whole call throttled once, then accepted
    const flaky = new FakeKinesis(undefined, (call) =>
      call === 1 ? Object.assign(new Error('slow down'), { name: throttled }) : undefined,
    );
    const first = await aPutter(flaky).putter.put([aRecord('A', 1), aRecord('A', 2)]);
    expect(first.notPut).toEqual([]);
    expect(flaky.stream).toEqual(['A1', 'A2']);

    // Access denied: one call, every record reported, none retried
    const denied = new FakeKinesis(undefined, () => Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const second = await aPutter(denied).putter.put([aRecord('A', 1), aRecord('B', 1), aRecord('A', 2)]);
    expect(denied.calls).toHaveLength(1);
    expect(second.notPut.map(({ record, errorCode }) => [record.label, errorCode])).toEqual([
      ['A1', 'AccessDeniedException'],
      ['B1', 'AccessDeniedException'],
      ['A2', 'BlockedByEarlierRecord'],
    ]);
  });

  it('puts the records of a key before an oversized one, and nothing of that key after it', async () => {
    const kinesis = new FakeKinesis();
    const records = [aRecord('A', 1), aRecord('A', 2, 1024 * 1024), aRecord('B', 1), aRecord('A', 3)];

    const result = await aPutter(kinesis).putter.put(records);

    expect(kinesis.stream).toEqual(['A1', 'B1']);
    expect(result.notPut.map(({ record, errorCode }) => [record.label, errorCode])).toEqual([
      ['A2', 'RecordTooLarge'],
      ['A3', 'BlockedByEarlierRecord'],
    ]);
  });

  it('keeps per-key order under random partial failures', async () => {
    // Prepare: a seeded generator refuses about a third of the entries
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const kinesis = new FakeKinesis(() => (random() < 0.33 ? throttled : undefined));
    const { putter } = aPutter(kinesis, { maxAttempts: 50 });
    const keys = Array.from({ length: 30 }, (_, i) => `K${i}x`);
    const records = Array.from({ length: 300 }, (_, i) => aRecord(keys[(i * 7) % keys.length]!, i));

    // Act
    const result = await putter.put(records);

    // Assess
    expect(result.notPut).toEqual([]);
    expect(kinesis.stream).toHaveLength(300);
    for (const key of keys) {
      const expected = records.filter((record) => record.partitionKey === key).map((record) => record.label);
      expect(kinesis.stream.filter((name) => name.startsWith(key))).toEqual(expected);
    }
  });
});
