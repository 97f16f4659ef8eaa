import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { KinesisEventPublisher } from '../../../lambdas/adapters/kinesis-event-publisher';
import { FolderFailedRecordSink } from '../../../local/esm/stores';
import type { OnFailureRecord } from '../../../local/esm/types';
import { readFailedRecords } from '../../../lib/ops/failed-records';
import { createActiveStream } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { aKinesisRecord, anEnvelope } from '../../helpers/kinesis-events';

/** Lambda's on-failure record for `records`, as the S3 destination (and the local engine) keeps it. */
function onFailureRecordOf(event: KinesisStreamEvent): OnFailureRecord {
  const first = event.Records[0]!;
  const last = event.Records[event.Records.length - 1]!;
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: 'r',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 6,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: first.kinesis.sequenceNumber,
      endSequenceNumber: last.kinesis.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
      batchSize: event.Records.length,
      streamArn: first.eventSourceARN,
    },
    payload: JSON.stringify(event),
  };
}

describe('replaying the on-failure destination', () => {
  const fixture = useEmulators();
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'failed-records-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('puts every kept record back once, in stream order, with its partition key', async () => {
    // Prepare: two mappings gave up on the same batch; a third kept a later record as well
    const events = [
      anEnvelope({ orderId: 'order-1' }),
      anEnvelope({ orderId: 'order-2' }),
      anEnvelope({ orderId: 'order-1' }),
    ];
    const records = events.map((event, index) => aKinesisRecord(event, index));
    const sink = new FolderFailedRecordSink(folder);
    await sink.write(
      'SagaEventSourceMapping',
      'shardId-000000000000',
      onFailureRecordOf({ Records: [records[1]!, records[0]!] }),
    );
    await sink.write(
      'EmailEventSourceMapping',
      'shardId-000000000000',
      onFailureRecordOf({ Records: [records[0]!, records[1]!] }),
    );
    await sink.write(
      'ProjectorEventSourceMapping',
      'shardId-000000000000',
      onFailureRecordOf({ Records: [records[2]!] }),
    );
    const { kinesis } = fixture();
    await createActiveStream(kinesis, 'replay-target');

    // Act
    const found = readFailedRecords(folder);
    await new KinesisEventPublisher({ client: kinesis, streamName: 'replay-target' }).putRecords(found);

    // Assess
    expect(found.map((record) => record.foundIn.length)).toEqual([2, 2, 1]);
    const onStream = await readRawRecords(fixture, 'replay-target');
    expect(onStream).toHaveLength(3);
    const dataOf = (orderId: string) =>
      onStream.filter((record) => record.partitionKey === orderId).map((record) => record.data);
    expect(dataOf('order-1')).toEqual([JSON.stringify(events[0]), JSON.stringify(events[2])]);
    expect(dataOf('order-2')).toEqual([JSON.stringify(events[1])]);
  });

  it('keeps poison records byte for byte, whatever their data', () => {
    // Prepare
    const poison = aKinesisRecord('\u0000 not json at all', 7, 'poison-key');
    mkdirSync(join(folder, 'nested'), { recursive: true });
    writeFileSync(join(folder, 'nested', 'object'), JSON.stringify(onFailureRecordOf({ Records: [poison] })));
    // Act
    const [record] = readFailedRecords(folder);
    // Assess
    expect(Buffer.from(record!.data).toString('utf8')).toBe('\u0000 not json at all');
    expect(record!.partitionKey).toBe('poison-key');
  });

  it('refuses a file that is not an on-failure record, naming it', () => {
    const path = join(folder, 'aws', 'lambda', 'junk.json');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"version":"1.0"}');
    expect(() => readFailedRecords(folder)).toThrow(/aws\/lambda\/junk\.json: the on-failure record has no payload/);
  });
});

async function readRawRecords(fixture: ReturnType<typeof useEmulators>, streamName: string) {
  const { kinesis } = fixture();
  const found: { partitionKey: string; data: string; sequenceNumber: string }[] = [];
  for (const shard of (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? []) {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    for (const record of Records ?? []) {
      found.push({
        partitionKey: record.PartitionKey!,
        data: Buffer.from(record.Data!).toString('utf8'),
        sequenceNumber: record.SequenceNumber!,
      });
    }
  }
  // sequence numbers order the records of one shard (so of one partition key)
  return found.sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1));
}
