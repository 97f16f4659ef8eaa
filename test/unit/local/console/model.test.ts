import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeOrderRecord } from '../../../../bin/local-app';
import {
  consumerRows,
  countBy,
  failedObjectRow,
  RecordTimeline,
  type TimelineEntry,
  timelineOf,
} from '../../../../local/console/model';
import { failedFolderSummary } from '../../../../local/console/server';
import type { MappingSnapshot, RecordOutcomeReport, ShardSnapshot } from '../../../../local/esm/types';

const shard = (overrides: Partial<ShardSnapshot>): ShardSnapshot => ({
  shardId: 'shardId-000000000000',
  outstanding: 0,
  recordsBehindTip: 0,
  millisBehindLatest: 0,
  failedInvocations: 0,
  failedBatches: 0,
  finished: false,
  ...overrides,
});

const envelope = (orderId: string, eventType: string, eventId: string): Buffer =>
  Buffer.from(JSON.stringify({ orderId, eventType, eventId }));

const report = (
  overrides: Partial<RecordOutcomeReport> & Pick<RecordOutcomeReport, 'records'>,
): RecordOutcomeReport => ({
  mappingId: 'SagaEventSourceMapping',
  functionName: 'Orderstream-local-SagaFn',
  shardId: 'shardId-000000000000',
  outcome: 'ok',
  at: Date.parse('2026-01-01T00:00:02.000Z'),
  ...overrides,
});

const record = (sequenceNumber: string, data: Buffer, arrival = '2026-01-01T00:00:01.000Z') => ({
  sequenceNumber,
  partitionKey: 'o-1',
  data,
  approximateArrivalTimestamp: new Date(arrival),
});

describe('consumerRows', () => {
  it('sums records behind and failures over shards and takes the worst lag in milliseconds', () => {
    const now = 100_000;
    const mappings: MappingSnapshot[] = [
      {
        mappingId: 'SagaEventSourceMapping',
        functionName: 'fn-saga',
        shards: [
          shard({ recordsBehindTip: 3, outstanding: 3, oldestOutstandingArrival: now - 1500, failedInvocations: 2 }),
          shard({ shardId: 'shardId-1', recordsBehindTip: 4, millisBehindLatest: 700, failedBatches: 1 }),
        ],
      },
      { mappingId: 'EmailEventSourceMapping', functionName: 'fn-email', shards: [shard({})] },
    ];
    const names: Record<string, string> = { 'fn-saga': 'saga', 'fn-email': 'email' };
    expect(consumerRows(mappings, (fn) => names[fn]!, now)).toEqual([
      {
        mappingId: 'SagaEventSourceMapping',
        consumer: 'saga',
        shards: 2,
        recordsBehind: 7,
        millisBehind: 1500,
        failedInvocations: 2,
        failedBatches: 1,
      },
      {
        mappingId: 'EmailEventSourceMapping',
        consumer: 'email',
        shards: 1,
        recordsBehind: 0,
        millisBehind: 0,
        failedInvocations: 0,
        failedBatches: 0,
      },
    ]);
  });
});

describe('countBy', () => {
  it('counts values, most frequent first, missing ones as (none)', () => {
    const items = [{ status: 'COMPLETED' }, { status: 'PENDING' }, { status: 'COMPLETED' }, {}];
    expect(countBy(items, 'status')).toEqual([
      { value: 'COMPLETED', count: 2 },
      { value: '(none)', count: 1 },
      { value: 'PENDING', count: 1 },
    ]);
  });
});

describe('failedObjectRow and failedFolderSummary', () => {
  const object = {
    version: '1.0',
    timestamp: '2026-01-01T10:00:00.000Z',
    requestContext: { condition: 'RetryAttemptsExhausted' },
    KinesisBatchInfo: { batchSize: 3 },
    payload: '{"Records":[]}',
  };

  it('reads the mapping from the S3 key layout and the condition and size from the object', () => {
    expect(failedObjectRow('aws/lambda/SagaMapping/shardId-0/2026/01/01/x', JSON.stringify(object))).toEqual({
      path: 'aws/lambda/SagaMapping/shardId-0/2026/01/01/x',
      mappingId: 'SagaMapping',
      condition: 'RetryAttemptsExhausted',
      records: 3,
      timestamp: '2026-01-01T10:00:00.000Z',
    });
  });

  it('reports an unreadable object instead of failing', () => {
    const row = failedObjectRow('aws/lambda/M/s/2026/01/01/y', 'not json');
    expect(row).toMatchObject({ mappingId: 'M', records: 0 });
    expect(row.error).toBeDefined();
  });

  it('lists a folder newest first and counts its records; a missing folder is empty', () => {
    const folder = mkdtempSync(join(tmpdir(), 'console-failed-'));
    try {
      expect(failedFolderSummary(join(folder, 'absent'))).toMatchObject({ objectCount: 0, records: 0, objects: [] });
      const dir = join(folder, 'aws', 'lambda', 'SagaMapping', 'shardId-0', '2026', '01', '01');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '2026-01-01T10.00.00-a'), JSON.stringify(object));
      writeFileSync(
        join(dir, '2026-01-01T11.00.00-b'),
        JSON.stringify({ ...object, KinesisBatchInfo: { batchSize: 1 } }),
      );
      const summary = failedFolderSummary(folder);
      expect(summary.objectCount).toBe(2);
      expect(summary.records).toBe(4);
      expect(summary.objects.map((o) => o.path.split('/').pop())).toEqual([
        '2026-01-01T11.00.00-b',
        '2026-01-01T10.00.00-a',
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('RecordTimeline and timelineOf', () => {
  const consumerName = (fn: string): string => fn.replace('Orderstream-local-', '').replace('Fn', '').toLowerCase();

  it("groups one key's outcomes per record in stream order, each consumer's handlings in time order", () => {
    const timeline = new RecordTimeline(describeOrderRecord, consumerName);
    const created = record('100', envelope('o-1', 'ORDER_CREATED', 'e-1'));
    const reserved = record('205', envelope('o-1', 'INVENTORY_RESERVED', 'e-2'), '2026-01-01T00:00:03.000Z');
    const other = record('150', envelope('o-2', 'ORDER_CREATED', 'e-3'));
    timeline.record(report({ records: [created, other], outcome: 'failed', detail: 'Error: boom' }));
    timeline.record(report({ records: [created, other], at: Date.parse('2026-01-01T00:00:02.500Z') }));
    timeline.record(
      report({
        records: [reserved],
        functionName: 'Orderstream-local-EmailFn',
        outcome: 'skipped',
        at: Date.parse('2026-01-01T00:00:04.000Z'),
      }),
    );

    expect(timelineOf(timeline.of('o-1'))).toEqual([
      {
        sequenceNumber: '100',
        shardId: 'shardId-000000000000',
        type: 'ORDER_CREATED',
        id: 'e-1',
        arrivedAt: '2026-01-01T00:00:01.000Z',
        handlings: [
          { consumer: 'saga', outcome: 'failed', at: '2026-01-01T00:00:02.000Z', detail: 'Error: boom' },
          { consumer: 'saga', outcome: 'ok', at: '2026-01-01T00:00:02.500Z' },
        ],
      },
      {
        sequenceNumber: '205',
        shardId: 'shardId-000000000000',
        type: 'INVENTORY_RESERVED',
        id: 'e-2',
        arrivedAt: '2026-01-01T00:00:03.000Z',
        handlings: [{ consumer: 'email', outcome: 'skipped', at: '2026-01-01T00:00:04.000Z' }],
      },
    ]);
    expect(timeline.recentKeys()).toEqual(['o-1', 'o-2']);
    expect(timeline.truncated).toBe(false);
  });

  it('keeps only the newest entries and says it dropped some', () => {
    const timeline = new RecordTimeline(undefined, (fn) => fn, 2);
    timeline.record(
      report({
        records: [record('1', Buffer.from('a')), record('2', Buffer.from('b')), record('3', Buffer.from('c'))],
      }),
    );
    expect(timeline.of('o-1').map((e: TimelineEntry) => e.sequenceNumber)).toEqual(['2', '3']);
    expect(timeline.truncated).toBe(true);
  });
});

describe('describeOrderRecord', () => {
  it("reads the envelope's orderId, eventType and eventId; a poison record is known by its partition key", () => {
    expect(describeOrderRecord({ partitionKey: 'o-1', data: envelope('o-1', 'ORDER_CREATED', 'e-1') })).toEqual({
      key: 'o-1',
      type: 'ORDER_CREATED',
      id: 'e-1',
    });
    expect(describeOrderRecord({ partitionKey: 'poison-1', data: Buffer.from('not json') })).toEqual({
      key: 'poison-1',
      type: '(not JSON)',
    });
  });
});
