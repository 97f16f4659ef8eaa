import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { EventEnvelope } from '../shared/envelope';
import { kinesisClient } from '../shared/aws-clients';
import { requiredEnv } from '../shared/config';
import { PublishError, type EventPublisher } from '../ports/event-publisher';

export interface KinesisEventPublisherOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** Attempts per PutRecords chunk, the first one included. @default 6 */
  readonly maxAttempts?: number;
  /** Backoff cap before jitter for the first retry; doubles each retry. @default 50 ms */
  readonly baseDelayMs?: number;
  /** Upper bound of any single backoff. @default 2_000 ms */
  readonly maxDelayMs?: number;
  /** Injected for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests. @default Math.random */
  readonly random?: () => number;
}

/** Kinesis limits for one PutRecords call and one record. */
const MAX_ENTRIES_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
const MAX_RECORD_BYTES = 1024 * 1024;

/** Whole-call errors worth retrying; anything else (access, validation, missing stream) is final. */
const RETRYABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);

/**
 * Publishes envelopes with PutRecords (partition key = orderId). A PutRecords call can
 * succeed for some entries and fail for others (throttling per shard): only the failed
 * entries are retried, with exponential backoff and full jitter, until the attempt
 * budget is spent; then `PublishError` says how many events did not make it.
 */
export class KinesisEventPublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  public constructor(private readonly options: KinesisEventPublisherOptions) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new Error(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
    }
  }

  public async publish(events: readonly EventEnvelope[]): Promise<void> {
    await this.putRecords(events.map(serialize));
  }

  /**
   * Puts records whose data is already serialized (e.g. records replayed from the on-failure
   * destination), with the same chunking, size check and retry policy as `publish`.
   */
  public async putRecords(records: readonly RawRecord[]): Promise<void> {
    for (const chunk of chunkEntries(records.map(toEntry))) {
      await this.putWithRetry(chunk);
    }
  }

  private async putWithRetry(entries: PutRecordsRequestEntry[]): Promise<void> {
    let pending = entries;
    let lastErrorCodes: string[] = [];
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoffMs(attempt - 1));
      try {
        const response = await this.options.client.send(
          new PutRecordsCommand({ StreamName: this.options.streamName, Records: pending }),
        );
        const results = response.Records ?? [];
        const failed = pending.filter(
          (_, index) => results[index]?.ErrorCode !== undefined || results[index] === undefined,
        );
        if (failed.length === 0) return;
        lastErrorCodes = results.flatMap((result) => (result.ErrorCode ? [result.ErrorCode] : []));
        pending = failed;
      } catch (error) {
        const code = errorCode(error);
        if (!RETRYABLE_ERRORS.has(code)) {
          throw new PublishError(`PutRecords failed with ${code}: ${(error as Error).message}`, pending.length, [code]);
        }
        lastErrorCodes = [code];
      }
    }
    throw new PublishError(
      `${pending.length} of ${entries.length} records not accepted after ${this.maxAttempts} attempts ` +
        `(${[...new Set(lastErrorCodes)].join(', ')})`,
      pending.length,
      [...new Set(lastErrorCodes)],
    );
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^retry)). */
  private backoffMs(retry: number): number {
    return Math.floor(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retry));
  }
}

/** The publisher configured from the function's environment (STREAM_NAME). */
export function eventPublisherFromEnv(): KinesisEventPublisher {
  return new KinesisEventPublisher({ client: kinesisClient(), streamName: requiredEnv('STREAM_NAME') });
}

/** One record as Kinesis stores it. */
export interface RawRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Names the record in errors. @default the partition key */
  readonly label?: string;
}

function serialize(event: EventEnvelope): RawRecord {
  return {
    partitionKey: event.orderId,
    data: Buffer.from(JSON.stringify(event), 'utf8'),
    label: `event ${event.eventId}`,
  };
}

function toEntry(record: RawRecord): PutRecordsRequestEntry {
  const size = record.data.length + Buffer.byteLength(record.partitionKey);
  if (size > MAX_RECORD_BYTES) {
    const label = record.label ?? `record of partition ${record.partitionKey}`;
    throw new PublishError(`${label} is ${size} bytes, over Kinesis's 1 MiB record limit`, 1, ['RecordTooLarge']);
  }
  return { Data: record.data, PartitionKey: record.partitionKey };
}

function chunkEntries(entries: PutRecordsRequestEntry[]): PutRecordsRequestEntry[][] {
  const chunks: PutRecordsRequestEntry[][] = [];
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = (entry.Data?.length ?? 0) + Buffer.byteLength(entry.PartitionKey ?? '');
    if (current.length === MAX_ENTRIES_PER_CALL || bytes + size > MAX_BYTES_PER_CALL) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function errorCode(error: unknown): string {
  const candidate = error as { name?: string; code?: string; Code?: string };
  return candidate.code ?? candidate.Code ?? candidate.name ?? 'UnknownError';
}
