/**
 * Event-source mapping engine against the real kinesis-mock: reading through an enhanced fan-out
 * consumer, the Lambda event shape, batching, starting positions, ordering, checkpoints.
 * Test functions are in-process fakes; Kinesis is real.
 */
import { OffsetClock } from '../../../local/esm/clock';
import {
  createStream,
  delay,
  mappingFor,
  ns,
  numbered,
  ok,
  putRecords,
  TestFunction,
  useEngineHarness,
  waitFor,
} from './esm-fixture';

jest.setTimeout(40_000);

describe('event-source mapping engine: reading', () => {
  const { fixture, harness } = useEngineHarness();

  test('delivers records in the Lambda Kinesis event shape, reading through the consumer', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const before = Date.now();
    const [put] = await putRecords(kinesis, stream.streamArn, [{ partitionKey: 'order-1', data: { hello: 'world' } }]);
    if (!put) throw new Error('putRecords answered no record');
    const fn = new TestFunction();
    const engine = harness().engine(fn, { invokeIdentityArn: 'arn:aws:iam::000000000000:role/test-role' });

    // Act
    await engine.start([mappingFor(stream)]);
    await engine.idle();

    // Assess
    expect(fn.invocations).toHaveLength(1);
    const [record] = fn.invocations[0]!.event.Records;
    if (!record) throw new Error('the invocation has no record');
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'order-1',
        sequenceNumber: put.sequenceNumber,
        data: Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${put.shardId}:${put.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/test-role',
      awsRegion: 'us-east-1',
      eventSourceARN: stream.streamArn,
    });
    expect(put.shardId).toBe('shardId-000000000000');
    // seconds since the epoch, not milliseconds
    expect(record.kinesis.approximateArrivalTimestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000) - 1);
    expect(record.kinesis.approximateArrivalTimestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
  });

  test('a batch holds records of one shard only', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis, 2);
    const puts = await putRecords(
      kinesis,
      stream.streamArn,
      numbered(40, 1, (n) => `key-${n}`),
    );
    const fn = new TestFunction();
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream)]);
    await engine.idle();

    // Assess
    expect(new Set(puts.map((p) => p.shardId)).size).toBe(2);
    for (const { event } of fn.invocations) {
      const shards = new Set(event.Records.map((r) => r.eventID.split(':')[0]));
      expect(shards.size).toBe(1);
    }
    expect(fn.delivered().sort((a, b) => a - b)).toEqual(numbered(40).map((r) => r.data.n));
  });

  test('BatchSize caps the records per invocation, in shard order', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(25));
    const fn = new TestFunction();
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { batchSize: 10 })]);
    await engine.idle();

    // Assess
    expect(fn.batches().map((b) => b.length)).toEqual([10, 10, 5]);
    expect(fn.delivered()).toEqual(numbered(25).map((r) => r.data.n));
  });

  test('MaximumBatchingWindowInSeconds gathers records that arrive within the window into one batch', async () => {
    // Prepare: a 300 s window on a clock the test moves
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const fn = new TestFunction();
    const clock = new OffsetClock();
    const engine = harness().engine(fn, { clock });
    await engine.start([mappingFor(stream, { maximumBatchingWindowInSeconds: 300 })]);

    // Act: two puts read in separate subscription events, 290 s apart on the engine's clock
    await putRecords(kinesis, stream.streamArn, numbered(3, 1));
    await waitFor(() => engine.bufferedRecords() === 3 || undefined, 10_000);
    clock.advance(290_000);
    await putRecords(kinesis, stream.streamArn, numbered(3, 4));
    await waitFor(() => engine.bufferedRecords() === 6 || undefined, 10_000);
    expect(fn.invocations).toHaveLength(0);
    clock.advance(10_000);
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([[1, 2, 3, 4, 5, 6]]);
  });

  test('without a batching window, records are delivered as soon as they are read', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const fn = new TestFunction();
    const engine = harness().engine(fn);
    await engine.start([mappingFor(stream)]);

    // Act
    await putRecords(kinesis, stream.streamArn, numbered(3, 1));
    await waitFor(() => fn.invocations.length > 0 || undefined, 10_000);
    await delay(1200);
    await putRecords(kinesis, stream.streamArn, numbered(3, 4));
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  test('an invocation payload never exceeds 6 MB', async () => {
    // Prepare: 8 records of ~1.2 MB each once base64-encoded (~9.6 MB together)
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const big = (n: number) => ({
      partitionKey: 'pk',
      data: Buffer.from(JSON.stringify({ n, pad: 'x'.repeat(900_000) })),
    });
    const fn = new TestFunction();
    const clock = new OffsetClock();
    const engine = harness().engine(fn, { clock });
    for (let n = 1; n <= 8; n += 2) await putRecords(kinesis, stream.streamArn, [big(n), big(n + 1)]);

    // Act: a window that only ends when the test says so; full batches (6 MB) are cut before it
    await engine.start([mappingFor(stream, { maximumBatchingWindowInSeconds: 300 })]);
    await waitFor(() => fn.delivered().length + engine.bufferedRecords() === 8 || undefined, 20_000);
    clock.advance(300_000);
    await waitFor(() => (fn.delivered().length === 8 ? true : undefined), 20_000);

    // Assess
    expect(fn.invocations.length).toBeGreaterThan(1);
    for (const { event } of fn.invocations)
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(fn.delivered()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('StartingPosition TRIM_HORIZON delivers the records already in the stream', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(5));
    const fn = new TestFunction();
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { startingPosition: 'TRIM_HORIZON' })]);
    await engine.idle();

    // Assess
    expect(fn.delivered()).toEqual([1, 2, 3, 4, 5]);
  });

  test('StartingPosition LATEST delivers only records put after the start', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(3, 1));
    const fn = new TestFunction();
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { startingPosition: 'LATEST' })]);
    await putRecords(kinesis, stream.streamArn, numbered(3, 4));
    await waitFor(() => (fn.delivered().length >= 3 ? true : undefined), 10_000);
    await engine.idle();

    // Assess
    expect(fn.delivered()).toEqual([4, 5, 6]);
  });

  test('StartingPosition AT_TIMESTAMP delivers records that arrived from the timestamp on', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(3, 1));
    await delay(1100);
    const timestamp = new Date();
    await delay(100);
    await putRecords(kinesis, stream.streamArn, numbered(3, 4));
    const fn = new TestFunction();
    const engine = harness().engine(fn);

    // Act
    await engine.start([
      mappingFor(stream, { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: timestamp }),
    ]);
    await engine.idle();

    // Assess
    expect(fn.delivered()).toEqual([4, 5, 6]);
  });

  test('a restart resumes from the checkpoint: nothing that succeeded is delivered again, StartingPosition is ignored', async () => {
    // Prepare: a first engine processes 5 records and stops
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const mapping = mappingFor(stream, { startingPosition: 'TRIM_HORIZON' });
    await putRecords(kinesis, stream.streamArn, numbered(5, 1));
    const first = new TestFunction();
    const engine1 = harness().engine(first);
    await engine1.start([mapping]);
    await engine1.idle();
    await engine1.stop();

    // Act: a new engine with the same checkpoint store
    await putRecords(kinesis, stream.streamArn, numbered(3, 6));
    const second = new TestFunction();
    const engine2 = harness().engine(second);
    await engine2.start([mapping]);
    await engine2.idle();

    // Assess
    expect(first.delivered()).toEqual([1, 2, 3, 4, 5]);
    expect(second.delivered()).toEqual([6, 7, 8]);
  });

  test('Enabled=false reads nothing', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(3));
    const fn = new TestFunction();
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { enabled: false })]);
    await delay(2500);

    // Assess
    expect(fn.invocations).toHaveLength(0);
  });

  test('one batch in flight per shard: a slow function gets batches one after the other, in order', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(
      kinesis,
      stream.streamArn,
      numbered(12, 1, (n) => `key-${n % 4}`),
    );
    const fn = new TestFunction(async () => {
      await delay(150);
      return ok();
    });
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { batchSize: 2 })]);
    await engine.idle();

    // Assess
    expect(fn.maxInFlight).toBe(1);
    expect(fn.delivered()).toEqual(numbered(12).map((r) => r.data.n));
  });

  test('ParallelizationFactor runs up to N batches of a shard at once, keeping order per partition key', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const key = (n: number): string => `key-${n % 8}`;
    await putRecords(kinesis, stream.streamArn, numbered(64, 1, key));
    const fn = new TestFunction(async () => {
      await delay(100);
      return ok();
    });
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { batchSize: 4, parallelizationFactor: 3 })]);
    await engine.idle();

    // Assess
    expect(fn.maxInFlight).toBeGreaterThan(1);
    expect(fn.maxInFlight).toBeLessThanOrEqual(3);
    const perKey = new Map<string, number[]>();
    for (const { event } of fn.invocations) {
      for (const r of event.Records)
        perKey.set(r.kinesis.partitionKey, [...(perKey.get(r.kinesis.partitionKey) ?? []), ...ns({ Records: [r] })]);
    }
    for (const [k, values] of perKey)
      expect(values).toEqual(
        numbered(64, 1, key)
          .filter((r) => r.partitionKey === k)
          .map((r) => r.data.n),
      );
    expect(fn.delivered()).toHaveLength(64);
  });

  test('subscriptions are renewed from the continuation sequence number without loss or duplicates', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const fn = new TestFunction();
    const engine = harness().engine(fn, { renewSubscriptionAfterMs: 1500 });
    await engine.start([mappingFor(stream)]);

    // Act
    await putRecords(kinesis, stream.streamArn, numbered(5, 1));
    await delay(3500);
    await putRecords(kinesis, stream.streamArn, numbered(5, 6));
    await waitFor(() => (fn.delivered().length >= 10 ? true : undefined), 10_000);
    await engine.idle();

    // Assess
    expect(harness().logs.filter((l) => l.includes('renewing from after')).length).toBeGreaterThanOrEqual(2);
    expect(fn.delivered()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
