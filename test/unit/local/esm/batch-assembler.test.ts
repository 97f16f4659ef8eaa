import { BatchAssembler } from '../../../../local/esm/batch-assembler';
import { toShardRecord } from '../../../../local/esm/records';

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

describe('BatchAssembler', () => {
  test('cuts batches of at most BatchSize records, in order', async () => {
    const assembler = new BatchAssembler({ batchSize: 2, maximumBatchingWindowInSeconds: 0 });
    for (const n of [1, 2, 3]) assembler.push(rec(n));
    expect((await assembler.next())?.map((r) => r.sequenceNumber)).toEqual(['1001', '1002']);
    expect((await assembler.next())?.map((r) => r.sequenceNumber)).toEqual(['1003']);
  });

  test('waits for the batching window unless the batch is full', async () => {
    const assembler = new BatchAssembler({ batchSize: 3, maximumBatchingWindowInSeconds: 0.3 });
    const started = Date.now();
    assembler.push(rec(1));
    const next = assembler.next();
    setTimeout(() => assembler.push(rec(2)), 100);
    expect((await next)?.length).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);

    const full = assembler.next();
    for (const n of [3, 4, 5]) assembler.push(rec(n));
    const t = Date.now();
    expect((await full)?.length).toBe(3);
    expect(Date.now() - t).toBeLessThan(100);
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
