import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { KinesisEventPublisher } from '../../../../lambdas/adapters/kinesis-event-publisher';
import { readFailedRecords } from '../../../../lambdas/ops/failed-records';
import { OrderedPutter } from '../../../../lambdas/ops/ordered-put';
import { FolderFailedRecordSink } from '../../../../local/esm/stores';
import type { OnFailureRecord } from '../../../../local/esm/types';
import { createActiveStream } from '../../../helpers/emulator-resources';
import { useEmulators } from '../../../helpers/emulators';
import { aKinesisRecord, anEnvelope } from '../../../helpers/kinesis-events';
import { RefusingKinesis } from './refusing-kinesis';

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

  it('keeps each order in order when PutRecords refuses some entries, a poison record blocking nothing', async () => {
    // Prepare: one on-failure object with three orders' records and a poison record between them
    const events = [
      anEnvelope({ orderId: 'order-1' }),
      anEnvelope({ orderId: 'order-2' }),
      anEnvelope({ orderId: 'order-1' }),
      anEnvelope({ orderId: 'order-3' }),
      anEnvelope({ orderId: 'order-2' }),
      anEnvelope({ orderId: 'order-1' }),
    ];
    const kept = events.map((event, index) => aKinesisRecord(event, index * 2));
    const poison = aKinesisRecord('\u0000 poison', 3, 'poison-key');
    await new FolderFailedRecordSink(folder).write(
      'SagaEventSourceMapping',
      'shardId-000000000000',
      onFailureRecordOf({ Records: [...kept.slice(0, 2), poison, ...kept.slice(2)] }),
    );
    const { kinesis } = fixture();
    await createActiveStream(kinesis, 'replay-refusals');
    // The stream refuses each order's first record twice, the poison record once, order-2's second record once
    const refusedTimes = new Map<string, number>([
      [JSON.stringify(events[0]), 2],
      [JSON.stringify(events[1]), 2],
      [JSON.stringify(events[3]), 2],
      ['\u0000 poison', 1],
      [JSON.stringify(events[4]), 1],
    ]);
    const refusing = new RefusingKinesis(kinesis, (data, before) => before < (refusedTimes.get(data) ?? 0));

    // Act
    const result = await new OrderedPutter({ client: refusing, streamName: 'replay-refusals', baseDelayMs: 5 }).put(
      readFailedRecords(folder),
    );

    // Assess: everything on the stream once, each order in its original order
    expect(result.notPut).toEqual([]);
    const onStream = await readRawRecords(fixture, 'replay-refusals');
    expect(onStream).toHaveLength(7);
    const dataOf = (key: string) => onStream.filter((record) => record.partitionKey === key).map((r) => r.data);
    const sent = (indexes: number[]) => indexes.map((index) => JSON.stringify(events[index]));
    expect(dataOf('order-1')).toEqual(sent([0, 2, 5]));
    expect(dataOf('order-2')).toEqual(sent([1, 4]));
    expect(dataOf('order-3')).toEqual(sent([3]));
    expect(dataOf('poison-key')).toEqual(['\u0000 poison']);
    // the first call carried one record of each of the four keys
    expect(refusing.callSizes[0]).toBe(4);
  });

  it('holds back the later records of an order whose record the stream keeps refusing, and only those', async () => {
    // Prepare
    const events = [
      anEnvelope({ orderId: 'stuck' }),
      anEnvelope({ orderId: 'fine' }),
      anEnvelope({ orderId: 'stuck' }),
      anEnvelope({ orderId: 'fine' }),
    ];
    await new FolderFailedRecordSink(folder).write(
      'SagaEventSourceMapping',
      'shardId-000000000000',
      onFailureRecordOf({ Records: events.map((event, index) => aKinesisRecord(event, index)) }),
    );
    const { kinesis } = fixture();
    await createActiveStream(kinesis, 'replay-stuck');
    const refusing = new RefusingKinesis(kinesis, (data) => data === JSON.stringify(events[0]));

    // Act
    const result = await new OrderedPutter({
      client: refusing,
      streamName: 'replay-stuck',
      maxAttempts: 3,
      baseDelayMs: 5,
    }).put(readFailedRecords(folder));

    // Assess
    expect(result.notPut.map(({ record, errorCode, attempts }) => [record.partitionKey, errorCode, attempts])).toEqual([
      ['stuck', 'ProvisionedThroughputExceededException', 3],
      ['stuck', 'BlockedByEarlierRecord', 0],
    ]);
    const onStream = await readRawRecords(fixture, 'replay-stuck');
    expect(onStream.map((record) => record.data)).toEqual([JSON.stringify(events[1]), JSON.stringify(events[3])]);
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
