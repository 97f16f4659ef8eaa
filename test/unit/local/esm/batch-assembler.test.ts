import { BatchAssembler } from '../../../../local/esm/batch-assembler';
import { OffsetClock } from '../../../../local/esm/clock';
import { type ShardRecord, toShardRecord } from '../../../../local/esm/records';

const context = {
  region: 'us-east-1',
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  invokeIdentityArn: 'arn:aws:iam::000000000000:role/r',
};
const rec = (n: number, bytes = 10) =>
  toShardRecord(
    'shardId-000000000000',
    {
      SequenceNumber: String(1000 + n),
      PartitionKey: 'pk',
      Data: Buffer.alloc(bytes, 'a'),
      ApproximateArrivalTimestamp: new Date(),
    },
    context,
  );

/** Lets every promise callback that is ready run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BatchAssembler', () => {
  test('cuts batches of at most BatchSize records, in order', async () => {
    const assembler = new BatchAssembler({ batchSize: 2, maximumBatchingWindowInSeconds: 0 });
    for (const n of [1, 2, 3]) assembler.push(rec(n));
    expect((await assembler.next())?.map((r) => r.sequenceNumber)).toEqual(['1001', '1002']);
    expect((await assembler.next())?.map((r) => r.sequenceNumber)).toEqual(['1003']);
  });

  test('waits for the batching window unless the batch is full', async () => {
    // Prepare: a 300 s window on a clock the test moves
    const clock = new OffsetClock();
    const assembler = new BatchAssembler({ batchSize: 3, maximumBatchingWindowInSeconds: 300 }, clock);
    let cut: ShardRecord[] | undefined;
    assembler.push(rec(1));
    const next = assembler.next().then((batch) => (cut = batch));

    // Act 1: a second record 100 s into the window, then 199.9 s more: the window is still open
    clock.advance(100_000);
    assembler.push(rec(2));
    clock.advance(199_900);
    await settle();
    expect(cut).toBeUndefined();

    // Act 2: the window ends (300 s after the FIRST record)
    clock.advance(100);
    await next;
    expect(cut?.map((r) => r.sequenceNumber)).toEqual(['1001', '1002']);

    // Act 3: a full batch is cut at once, without moving the clock
    const full = assembler.next();
    for (const n of [3, 4, 5]) assembler.push(rec(n));
    expect((await full)?.length).toBe(3);
  });

  test('keeps the invocation payload within the cap', async () => {
    const one = rec(1, 300).payloadBytes;
    const assembler = new BatchAssembler({
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      maxPayloadBytes: 2 * one + 20,
    });
    for (const n of [1, 2, 3]) assembler.push(rec(n, 300));
    expect((await assembler.next())?.length).toBe(2);
    expect((await assembler.next())?.length).toBe(1);
  });

  test('close() releases a waiting next() with undefined', async () => {
    const assembler = new BatchAssembler({ batchSize: 10, maximumBatchingWindowInSeconds: 0 });
    const next = assembler.next();
    assembler.close();
    await expect(next).resolves.toBeUndefined();
  });
});
