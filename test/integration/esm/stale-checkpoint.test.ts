import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createStream,
  mappingFor,
  ns,
  numbered,
  putRecords,
  TestFunction,
  useEngineHarness,
  waitFor,
} from './esm-fixture';

/**
 * A checkpoint that names a record the stream no longer has (saved at once, while kinesis-mock
 * persisted the record only in memory, then a crash) is detected at start, logged, reset to the
 * shard's last record, and records put afterwards are delivered, none skipped.
 */
describe('a checkpoint past the stream tip (record lost in a crash)', () => {
  const { fixture, harness } = useEngineHarness();

  // kinesis-mock sequence numbers: the record's position in the shard sits above 20 hex digits
  // (time and shard index), so this is the number of a record 3 positions past `tip`.
  const pastTip = (tip: string): string => (BigInt(tip) + (3n << 80n)).toString();

  it('is reset to the tip and the records put after the restart are all delivered', async () => {
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const before = await putRecords(kinesis, stream.streamArn, numbered(3, 1));
    const tip = before[2]!.sequenceNumber;
    const mapping = mappingFor(stream);
    const stale = pastTip(tip);
    await harness().checkpoints.save(mapping.id, before[2]!.shardId, stale);

    const fn = new TestFunction();
    await harness().engine(fn).start([mapping]);
    expect(harness().logs.join('\n')).toContain(
      `[esm ${mapping.id}] ${before[2]!.shardId}: checkpoint ${stale} is past the stream's tip ${tip}`,
    );
    const file = JSON.parse(readFileSync(join(harness().dir, 'checkpoints', `${mapping.id}.json`), 'utf8'));
    expect(file[before[2]!.shardId]).toBe(tip);

    // new records take the lost records' positions: their numbers sort below the stale checkpoint
    const after = await putRecords(kinesis, stream.streamArn, numbered(3, 4));
    expect(BigInt(after[0]!.sequenceNumber) < BigInt(stale)).toBe(true);
    await waitFor(() => fn.invocations.flatMap((i) => ns(i.event)).length >= 3 || undefined);
    expect(fn.invocations.flatMap((i) => ns(i.event))).toEqual([4, 5, 6]);
  });

  it('on a shard with no record before it, reads the shard from its start whatever the StartingPosition', async () => {
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const [first] = await putRecords(kinesis, stream.streamArn, numbered(1, 1));
    if (!first) throw new Error('putRecords answered no record');
    const mapping = mappingFor(stream, { startingPosition: 'LATEST' });
    // a number below every record that is neither a record nor the shard's starting sequence number
    const below = (BigInt(first.sequenceNumber) - (1n << 80n) + 1n).toString();
    await harness().checkpoints.save(mapping.id, first.shardId, below);

    const fn = new TestFunction();
    await harness().engine(fn).start([mapping]);
    expect(harness().logs.join('\n')).toContain("is past the stream's tip (empty shard)");
    await waitFor(() => fn.invocations.length > 0 || undefined);
    expect(ns(fn.invocations[0]!.event)).toEqual([1]);
  });

  it('leaves a checkpoint the stream has alone', async () => {
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const put = await putRecords(kinesis, stream.streamArn, numbered(3, 1));
    const mapping = mappingFor(stream);
    await harness().checkpoints.save(mapping.id, put[1]!.shardId, put[1]!.sequenceNumber);

    const fn = new TestFunction();
    await harness().engine(fn).start([mapping]);
    await waitFor(() => fn.invocations.length > 0 || undefined);
    expect(ns(fn.invocations[0]!.event)).toEqual([3]);
    expect(harness().logs.join('\n')).not.toContain('past the stream');
  });
});
