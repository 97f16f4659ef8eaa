import type { MappingSnapshot, RecordOutcomeReport } from '../esm/types';

/**
 * The local console's data, as plain JSON built from what the runtime knows: pure functions
 * (unit-tested) and the in-memory ring buffer of record outcomes behind an order's timeline.
 * Nothing here knows the app: what a record means (its key, type and id) comes from a
 * `RecordDescriber` the app gives (bin/local-app.ts).
 */

/** What the app reads from a record: its key (e.g. the orderId), event type and event id. */
export interface RecordDescription {
  readonly key: string;
  readonly type?: string;
  readonly id?: string;
}

export type RecordDescriber = (record: { readonly partitionKey: string; readonly data: Buffer }) => RecordDescription;

/** By default a record is known by its partition key only. */
export const describeByPartitionKey: RecordDescriber = (record) => ({ key: record.partitionKey });

/** One thing that happened to one record in one consumer. */
export interface TimelineEntry {
  readonly key: string;
  readonly type?: string;
  readonly id?: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** ISO time the record reached the stream. */
  readonly arrivedAt: string;
  /** The consumer: the function's service name (or its name). */
  readonly consumer: string;
  readonly outcome: RecordOutcomeReport['outcome'];
  readonly detail?: string;
  /** The X-Ray trace of the invocation that delivered the record. */
  readonly traceId?: string;
  /** ISO time of the outcome. */
  readonly at: string;
}

/**
 * The last `capacity` record outcomes (oldest dropped first), searchable by key. Memory is
 * bounded, so an old order's timeline can be partial on a long run; the console says so.
 */
export class RecordTimeline {
  private readonly entries: TimelineEntry[] = [];
  private dropped = 0;

  public constructor(
    private readonly describe: RecordDescriber = describeByPartitionKey,
    private readonly consumerName: (functionName: string) => string = (name) => name,
    private readonly capacity = 50_000,
  ) {}

  public record(report: RecordOutcomeReport): void {
    const consumer = this.consumerName(report.functionName);
    const at = new Date(report.at).toISOString();
    for (const record of report.records) {
      let description: RecordDescription;
      try {
        description = this.describe(record);
      } catch {
        description = describeByPartitionKey(record);
      }
      this.entries.push({
        ...description,
        shardId: report.shardId,
        sequenceNumber: record.sequenceNumber,
        arrivedAt: record.approximateArrivalTimestamp.toISOString(),
        consumer,
        outcome: report.outcome,
        ...(report.detail ? { detail: report.detail } : {}),
        ...(report.traceId ? { traceId: report.traceId } : {}),
        at,
      });
    }
    const excess = this.entries.length - this.capacity;
    if (excess > 0) {
      this.entries.splice(0, excess);
      this.dropped += excess;
    }
  }

  /** Every entry of one key, oldest first. */
  public of(key: string): TimelineEntry[] {
    return this.entries.filter((entry) => entry.key === key);
  }

  /** The most recent distinct keys, newest first. */
  public recentKeys(limit = 10): string[] {
    const keys: string[] = [];
    for (let i = this.entries.length - 1; i >= 0 && keys.length < limit; i--) {
      const { key } = this.entries[i]!; // 0 <= i < entries.length
      if (key && !keys.includes(key)) keys.push(key);
    }
    return keys;
  }

  /** Whether older entries were dropped (timelines of old keys may be partial). */
  public get truncated(): boolean {
    return this.dropped > 0;
  }
}

/**
 * What a consumer did with a record: `handled` it processed it; `skipped` it was delivered and the
 * consumer does not handle its type, or the mapping's filter dropped it; `ok` delivered, and
 * whether it was handled is not known (no trace); the rest as the engine reports them.
 */
export type TimelineOutcome = RecordOutcomeReport['outcome'] | 'handled';

/** One record of a key and what each consumer did with it. */
export interface TimelineRecord {
  readonly sequenceNumber: string;
  readonly shardId: string;
  readonly type?: string;
  readonly id?: string;
  readonly arrivedAt: string;
  readonly handlings: readonly {
    consumer: string;
    outcome: TimelineOutcome;
    at: string;
    detail?: string;
    traceId?: string;
  }[];
}

/**
 * Whether the invocation traced as `traceId` processed the record with id `recordId`; undefined
 * when unknown (console/waterfall.ts `handledInTrace` answers it from the X-Ray segments).
 */
export type HandledInTrace = (traceId: string, recordId: string) => boolean | undefined;

/** A delivered record's outcome, told apart into handled / skipped when its trace says which. */
function refinedOutcome(
  entry: TimelineEntry,
  handled: HandledInTrace | undefined,
): Pick<TimelineEntry, 'detail'> & {
  outcome: TimelineOutcome;
} {
  const known = entry.outcome === 'ok' && entry.traceId && entry.id ? handled?.(entry.traceId, entry.id) : undefined;
  if (known === true) return { outcome: 'handled' };
  if (known === false) return { outcome: 'skipped', detail: 'delivered; not a type this consumer handles' };
  return { outcome: entry.outcome, ...(entry.detail ? { detail: entry.detail } : {}) };
}

/**
 * A key's entries grouped per record, records in stream order, handlings in time order;
 * delivered records split into handled and skipped by `handled` when given.
 */
export function timelineOf(entries: readonly TimelineEntry[], handled?: HandledInTrace): TimelineRecord[] {
  const byRecord = new Map<string, TimelineRecord & { handlings: TimelineRecord['handlings'][number][] }>();
  for (const entry of entries) {
    const recordKey = `${entry.shardId}/${entry.sequenceNumber}`;
    let record = byRecord.get(recordKey);
    if (!record) {
      record = {
        sequenceNumber: entry.sequenceNumber,
        shardId: entry.shardId,
        type: entry.type,
        id: entry.id,
        arrivedAt: entry.arrivedAt,
        handlings: [],
      };
      byRecord.set(recordKey, record);
    }
    record.handlings.push({
      consumer: entry.consumer,
      ...refinedOutcome(entry, handled),
      at: entry.at,
      ...(entry.traceId ? { traceId: entry.traceId } : {}),
    });
  }
  const records = [...byRecord.values()];
  for (const record of records) record.handlings.sort((a, b) => a.at.localeCompare(b.at));
  return records.sort(
    (a, b) =>
      a.arrivedAt.localeCompare(b.arrivedAt) ||
      a.shardId.localeCompare(b.shardId) ||
      compareDecimal(a.sequenceNumber, b.sequenceNumber),
  );
}

/** One consumer's row in the lag table, summed over its shards. */
export interface ConsumerRow {
  readonly mappingId: string;
  readonly consumer: string;
  readonly shards: number;
  /** Records on the stream after the consumer's checkpoints. */
  readonly recordsBehind: number;
  /** Age of the oldest record not done yet, or the reader's own lag when it is higher; 0 when caught up. */
  readonly millisBehind: number;
  readonly failedInvocations: number;
  readonly failedBatches: number;
}

export function consumerRows(
  mappings: readonly MappingSnapshot[],
  consumerName: (functionName: string) => string,
  now: number,
): ConsumerRow[] {
  return mappings.map((mapping) => {
    let millisBehind = 0;
    for (const shard of mapping.shards) {
      const age = shard.oldestOutstandingArrival === undefined ? 0 : Math.max(0, now - shard.oldestOutstandingArrival);
      millisBehind = Math.max(millisBehind, age, shard.millisBehindLatest);
    }
    const sum = (field: 'recordsBehindTip' | 'failedInvocations' | 'failedBatches'): number =>
      mapping.shards.reduce((n, shard) => n + shard[field], 0);
    return {
      mappingId: mapping.mappingId,
      consumer: consumerName(mapping.functionName),
      shards: mapping.shards.length,
      recordsBehind: sum('recordsBehindTip'),
      millisBehind,
      failedInvocations: sum('failedInvocations'),
      failedBatches: sum('failedBatches'),
    };
  });
}

/** Items counted by the value of one attribute (missing: '(none)'), most frequent first. */
export function countBy(
  items: readonly Record<string, unknown>[],
  attribute: string,
): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const value = item[attribute];
    const label = typeof value === 'string' || typeof value === 'number' ? String(value) : '(none)';
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

/** One object of the on-failure folder, as the console lists it. */
export interface FailedObjectRow {
  /** Path under the folder (aws/lambda/<mapping>/<shard>/YYYY/MM/DD/...). */
  readonly path: string;
  readonly mappingId: string;
  readonly condition: string;
  readonly records: number;
  readonly timestamp: string;
  /** Why the object could not be read, when it could not. */
  readonly error?: string;
}

/** Summarizes one on-failure object (Lambda's on-failure record for Kinesis, as the S3 destination keeps it). */
export function failedObjectRow(path: string, text: string): FailedObjectRow {
  const parts = path.split('/');
  const mappingId = parts[0] === 'aws' && parts[1] === 'lambda' ? (parts[2] ?? '?') : '?';
  try {
    const object = JSON.parse(text) as {
      timestamp?: string;
      requestContext?: { condition?: string };
      KinesisBatchInfo?: { batchSize?: number };
    };
    return {
      path,
      mappingId,
      condition: object.requestContext?.condition ?? '?',
      records: object.KinesisBatchInfo?.batchSize ?? 0,
      timestamp: object.timestamp ?? '',
    };
  } catch (error) {
    return { path, mappingId, condition: '?', records: 0, timestamp: '', error: (error as Error).message };
  }
}

function compareDecimal(a: string, b: string): number {
  return a.length - b.length || a.localeCompare(b);
}
