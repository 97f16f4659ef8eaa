import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { compareSequenceNumbers } from '../sequence-numbers';

export interface CheckpointCheck {
  readonly kinesis: KinesisClient;
  readonly streamArn: string;
  readonly shardId: string;
  readonly checkpoint: string;
}

/**
 * After a crash the mapping's checkpoint can name a record the stream no longer has: the
 * checkpoint was saved at once, the record only in memory (kinesis-mock persists periodically).
 * Resuming after it fails (kinesis-mock: ResourceNotFoundException) or, worse, would skip new
 * records: kinesis-mock numbers records by their position in the shard, so records put after the
 * restart take the lost records' positions and sort before the stale checkpoint.
 *
 * Returns undefined when the checkpoint's record is on the stream; otherwise `{ tip }`, the last
 * record before the checkpoint (undefined: none, read from the shard's start), to resume after.
 * Call it before anything new is put on the stream, so the tip is the last persisted record.
 */
export async function staleCheckpoint(check: CheckpointCheck): Promise<{ tip: string | undefined } | undefined> {
  const { kinesis, streamArn, shardId, checkpoint } = check;
  if (await hasRecordAt(kinesis, { StreamARN: streamArn }, shardId, checkpoint)) return undefined;
  let tip: string | undefined;
  let { ShardIterator: iterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  while (iterator) {
    const page = await kinesis.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: iterator }));
    const records = page.Records ?? [];
    for (const record of records) {
      const sequenceNumber = record.SequenceNumber as string;
      if (compareSequenceNumbers(sequenceNumber, checkpoint) < 0) tip = sequenceNumber;
    }
    if (records.length === 0) break;
    iterator = page.NextShardIterator;
  }
  return { tip };
}

/**
 * Whether the shard holds the record `sequenceNumber`: an iterator AT it must exist AND its first
 * record must be that very record. kinesis-mock refuses (ResourceNotFoundException) a sequence
 * number past a shard's last record, but hands out an iterator on a shard that has no record at
 * all (a crash before its first snapshot with records), which then reads nothing.
 */
export async function hasRecordAt(
  kinesis: KinesisClient,
  stream: { readonly StreamARN?: string; readonly StreamName?: string },
  shardId: string,
  sequenceNumber: string,
): Promise<boolean> {
  let iterator: string | undefined;
  try {
    ({ ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        ...stream,
        ShardId: shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: sequenceNumber,
      }),
    ));
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  }
  if (!iterator) return false;
  const { Records } = await kinesis.send(
    new GetRecordsCommand({ ShardIterator: iterator, Limit: 1, StreamARN: stream.StreamARN }),
  );
  return Records?.[0]?.SequenceNumber === sequenceNumber;
}
