import { PutRecordsCommand, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { RawRecord } from '../adapters/kinesis-event-publisher';

/**
 * Puts records on a stream so that the records of one partition key land in the order given,
 * whatever fails. A PutRecords call may accept some entries and refuse others; retrying only
 * the refused ones (as the API publisher does) lets a later record of the same key overtake
 * an earlier one. Here each call carries at most ONE record per partition key, and a key's
 * next record is sent only once the previous one is accepted. Records of different keys
 * share calls (up to 500 entries / 5 MiB), so batches stay full when there are many keys.
 *
 * A refused entry is retried with exponential backoff (full jitter) up to `maxAttempts`
 * times; then it is given up, and so is every later record of its key (never put, so the
 * key's order holds). Other keys carry on. A non-retryable error of the whole call
 * (access denied, missing stream) stops everything: what was not accepted is reported.
 */

/** Kinesis limits: entries and bytes (data + partition keys) per PutRecords call, bytes per record. */
export const MAX_ENTRIES_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Whole-call errors worth retrying; anything else is final. */
const RETRYABLE_CALL_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ThrottlingException',
  'TimeoutError',
  'RequestTimeout',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);

/** The only call the putter makes (a KinesisClient fits). */
export interface PutRecordsSender {
  send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput>;
}

export interface OrderedPutterOptions {
  readonly client: PutRecordsSender;
  readonly streamName: string;
  /** Attempts per record, the first one included. @default 8 */
  readonly maxAttempts?: number;
  /** Backoff cap before jitter for a record's first retry; doubles each retry. @default 100 ms */
  readonly baseDelayMs?: number;
  /** Upper bound of any single backoff. @default 5_000 ms */
  readonly maxDelayMs?: number;
  /** Called after each PutRecords call (progress). @default none */
  readonly onCall?: (call: PutCallReport) => void;
  /** Injected for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
  /** Injected for tests. @default Math.random */
  readonly random?: () => number;
}

export interface PutCallReport {
  readonly entries: number;
  readonly accepted: number;
  readonly refused: number;
}

/** A record that is not on the stream, and why. */
export interface NotPut<R extends RawRecord> {
  readonly record: R;
  /** Kinesis's error code for this record, or `BlockedByEarlierRecord` for a later record of a failed key. */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** PutRecords calls that carried this record. */
  readonly attempts: number;
}

export interface OrderedPutResult<R extends RawRecord> {
  /** Records accepted by the stream, in the order they were accepted. */
  readonly put: R[];
  /** Records not on the stream, in input order. */
  readonly notPut: NotPut<R>[];
  /** PutRecords calls made. */
  readonly calls: number;
}

interface Pending<R extends RawRecord> {
  readonly record: R;
  readonly index: number;
  readonly entry: PutRecordsRequestEntry;
  readonly bytes: number;
  attempts: number;
  /** Not sent again before this time (ms, `now()` clock). */
  notBefore: number;
  /** Why the last call refused it; undefined once accepted. */
  lastError: { code: string; message: string } | undefined;
}

export class OrderedPutter {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;

  public constructor(private readonly options: OrderedPutterOptions) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new Error(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
    }
  }

  /** Puts `records` (in order per partition key) and reports what is on the stream and what is not. */
  public async put<R extends RawRecord>(records: readonly R[]): Promise<OrderedPutResult<R>> {
    const put: R[] = [];
    const notPut: (NotPut<R> & { index: number })[] = [];
    /** One FIFO per partition key; its head is the only record of that key that may be in a call. */
    const queues = new Map<string, Pending<R>[]>();
    records.forEach((record, index) => {
      const queue = queues.get(record.partitionKey) ?? [];
      queue.push({
        record,
        index,
        bytes: record.data.length + Buffer.byteLength(record.partitionKey),
        entry: { Data: record.data, PartitionKey: record.partitionKey },
        attempts: 0,
        notBefore: 0,
        lastError: undefined,
      });
      queues.set(record.partitionKey, queue);
    });
    /** Gives up the head of `key` and, unsent, every later record of that key. */
    const giveUp = (key: string, errorCode: string, errorMessage: string): void => {
      const [head, ...later] = queues.get(key)!;
      queues.delete(key);
      notPut.push({ record: head!.record, index: head!.index, errorCode, errorMessage, attempts: head!.attempts });
      for (const blocked of later) {
        notPut.push({
          record: blocked.record,
          index: blocked.index,
          errorCode: 'BlockedByEarlierRecord',
          errorMessage: `not sent: an earlier record of partition key ${key} (${label(head!.record)}) was not put`,
          attempts: 0,
        });
      }
    };

    let calls = 0;
    while (queues.size > 0) {
      for (const [key, [head]] of queues) {
        if (head!.bytes > MAX_RECORD_BYTES) {
          giveUp(key, 'RecordTooLarge', `${label(head!.record)} is ${head!.bytes} bytes, over the 1 MiB record limit`);
        }
      }
      const batch = this.nextBatch(queues);
      if (batch.length === 0) {
        if (queues.size === 0) break;
        // Every head is backing off: wait for the earliest.
        const earliest = Math.min(...[...queues.values()].map((queue) => queue[0]!.notBefore));
        await this.sleep(Math.max(0, earliest - this.now()));
        continue;
      }
      calls++;
      for (const pending of batch) pending.attempts++;
      const outcome = await this.send(batch);
      if (outcome.fatal) {
        // Final for every record still queued (access denied, no such stream, ...).
        for (const key of [...queues.keys()]) giveUp(key, outcome.fatal.code, outcome.fatal.message);
        break;
      }
      for (const pending of batch) {
        const key = pending.record.partitionKey;
        const queue = queues.get(key)!;
        if (!pending.lastError) {
          put.push(pending.record);
          queue.shift();
          if (queue.length === 0) queues.delete(key);
        } else if (pending.attempts >= this.maxAttempts) {
          const { code, message } = pending.lastError;
          giveUp(key, code, `${message} (after ${pending.attempts} attempts)`);
        } else {
          pending.notBefore = this.now() + this.backoffMs(pending.attempts);
        }
      }
    }
    notPut.sort((a, b) => a.index - b.index);
    return { put, notPut: notPut.map(({ index: _, ...entry }) => entry), calls };
  }

  /**
   * One PutRecords call: sets `lastError` on every refused entry (and clears it on accepted
   * ones); returns the error of the whole call when it is not worth retrying.
   */
  private async send<R extends RawRecord>(batch: Pending<R>[]): Promise<{ fatal?: { code: string; message: string } }> {
    let refused = 0;
    try {
      const response = await this.options.client.send(
        new PutRecordsCommand({ StreamName: this.options.streamName, Records: batch.map((p) => p.entry) }),
      );
      const results = response.Records ?? [];
      batch.forEach((pending, position) => {
        const result = results[position];
        if (result && !result.ErrorCode) {
          pending.lastError = undefined;
          return;
        }
        refused++;
        pending.lastError = {
          code: result?.ErrorCode ?? 'MissingResult',
          message: result?.ErrorMessage ?? 'PutRecords returned no result for this entry',
        };
      });
      return {};
    } catch (error) {
      const code = errorCode(error);
      const message = (error as Error).message;
      refused = batch.length;
      for (const pending of batch) pending.lastError = { code, message };
      return RETRYABLE_CALL_ERRORS.has(code) ? {} : { fatal: { code, message } };
    } finally {
      this.options.onCall?.({ entries: batch.length, accepted: batch.length - refused, refused });
    }
  }

  /**
   * The heads of the queues that are ready now, one per key, up to the call limits. Keys are
   * taken in the order of their first record, so earlier input goes first.
   */
  private nextBatch<R extends RawRecord>(queues: Map<string, Pending<R>[]>): Pending<R>[] {
    const now = this.now();
    const ready = [...queues.values()]
      .map((queue) => queue[0]!)
      .filter((head) => head.notBefore <= now)
      .sort((a, b) => a.index - b.index);
    const batch: Pending<R>[] = [];
    let bytes = 0;
    for (const head of ready) {
      if (batch.length === MAX_ENTRIES_PER_CALL) break;
      if (bytes + head.bytes > MAX_BYTES_PER_CALL) continue; // a smaller head may still fit
      batch.push(head);
      bytes += head.bytes;
    }
    return batch;
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^(retry-1))). */
  private backoffMs(retry: number): number {
    return Math.floor(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1)));
  }
}

function label(record: RawRecord): string {
  return record.label ?? `record of partition key ${record.partitionKey}`;
}

function errorCode(error: unknown): string {
  const candidate = error as { name?: string; code?: string; Code?: string };
  return candidate.code ?? candidate.Code ?? candidate.name ?? 'UnknownError';
}
