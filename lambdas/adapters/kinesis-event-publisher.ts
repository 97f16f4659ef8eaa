import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { EventEnvelope } from '../contract/envelope';
import { ENV } from '../contract/environment';
import {
  CONSUMER_PUBLISH_DEADLINE_MS,
  DEFAULT_PUBLISH_DEADLINE_MS,
  type EventPublisher,
  PublishError,
} from '../ports/event-publisher';
import { kinesisClient } from '../runtime/aws-clients';
import { requiredEnv } from '../runtime/config';
import { CoalescingEventPublisher } from './coalescing-event-publisher';

export interface KinesisEventPublisherOptions {
  /**
   * The client to put with. It should make a single attempt per call (SDK `maxAttempts: 1`, as
   * runtime/aws-clients.ts configures it): this publisher is the one retry layer.
   */
  readonly client: KinesisClient;
  readonly streamName: string;
  /**
   * Time budget of one publish call, back-off and retries included: no retry starts and no
   * back-off sleeps past it, and a call still running at the deadline is aborted.
   * @default DEFAULT_PUBLISH_DEADLINE_MS (3 s)
   */
  readonly deadlineMs?: number;
  /** Attempts per PutRecords chunk, the first one included (a cap besides the deadline). @default 10 */
  readonly maxAttempts?: number;
  /** Backoff cap before jitter for the first retry; doubles each retry. @default 50 ms */
  readonly baseDelayMs?: number;
  /** Upper bound of any single backoff. @default 1_000 ms */
  readonly maxDelayMs?: number;
  /** Injected for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests. @default Math.random */
  readonly random?: () => number;
  /** Injected for tests: milliseconds of a monotonic-enough clock. @default Date.now */
  readonly now?: () => number;
}

/** Kinesis limits for one PutRecords call and one record. */
const MAX_ENTRIES_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
const MAX_RECORD_BYTES = 1024 * 1024;

/** Refusals that stored nothing and may pass on a retry (throttling). */
const THROTTLES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
]);
/** Service errors that no retry heals and that stored nothing (also when the error carries no HTTP status). */
const FINAL = new Set([
  'ResourceNotFoundException',
  'ResourceInUseException',
  'AccessDeniedException',
  'ValidationException',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  // raised before any request is sent
  'CredentialsProviderError',
]);
/** Network errors raised before the request could reach Kinesis: nothing was sent. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Entries a put could not confirm, and the error that says so for `failed` of `of` records. */
interface Unconfirmed {
  readonly entries: ReadonlySet<PutRecordsRequestEntry>;
  error(failed: number, of: number): PublishError;
}

/** What a whole-call failure means for the entries it carried. */
interface CallFailure {
  readonly code: string;
  readonly retryable: boolean;
  readonly mayHaveBeenAccepted: boolean;
}

/**
 * Publishes envelopes with PutRecords (partition key = orderId). A PutRecords call can
 * succeed for some entries and fail for others (throttling per shard): only the failed
 * entries are retried, with exponential backoff and full jitter, until the deadline (or the
 * attempt cap) is reached; then `PublishError` says how many events were not confirmed and
 * whether they may nevertheless be on the stream (`mayHaveBeenAccepted`, after a timeout,
 * a reset connection or a 5xx).
 */
export class KinesisEventPublisher implements EventPublisher {
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  public constructor(private readonly options: KinesisEventPublisherOptions) {
    this.deadlineMs = options.deadlineMs ?? DEFAULT_PUBLISH_DEADLINE_MS;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 1_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new Error(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
    }
    if (!Number.isFinite(this.deadlineMs) || this.deadlineMs <= 0) {
      throw new Error(`deadlineMs must be a positive number of milliseconds, got ${options.deadlineMs}`);
    }
  }

  public async publish(events: readonly EventEnvelope[]): Promise<void> {
    await this.putRecords(events.map(serialize));
  }

  /**
   * Puts records whose data is already serialized (e.g. records replayed from the on-failure
   * destination), with the same chunking, size check and retry policy as `publish`; the
   * deadline covers the whole call.
   */
  public async putRecords(records: readonly RawRecord[]): Promise<void> {
    const deadline = this.now() + this.deadlineMs;
    for (const chunk of chunkEntries(records.map(toEntry))) {
      const unconfirmed = await this.putWithRetry(chunk, deadline);
      if (unconfirmed) throw unconfirmed.error(unconfirmed.entries.size, chunk.length);
    }
  }

  /**
   * Publishes several independent groups of events in as few PutRecords calls as they fit
   * (500 records, 5 MiB each), with the retry policy of `publish` and one deadline for the
   * whole call, and says for each group whether all its events are on the stream (undefined)
   * or not (the PublishError `publish` would have thrown for it). One group's failure does not
   * fail the others. (adapters/coalescing-event-publisher.ts gathers concurrent `publish` calls
   * into groups.)
   */
  public async publishGroups(groups: readonly (readonly EventEnvelope[])[]): Promise<(PublishError | undefined)[]> {
    const deadline = this.now() + this.deadlineMs;
    const outcomes: (PublishError | undefined)[] = groups.map(() => undefined);
    const groupOf = new Map<PutRecordsRequestEntry, number>();
    const entries: PutRecordsRequestEntry[] = [];
    groups.forEach((events, group) => {
      try {
        const own = events.map((event) => toEntry(serialize(event)));
        for (const entry of own) groupOf.set(entry, group);
        entries.push(...own);
      } catch (error) {
        outcomes[group] = error as PublishError; // an oversized event: its group fails alone, before any call
      }
    });
    for (const chunk of chunkEntries(entries)) {
      const unconfirmed = await this.putWithRetry(chunk, deadline);
      if (!unconfirmed) continue;
      const failedPerGroup = new Map<number, number>();
      for (const entry of unconfirmed.entries) {
        const group = groupOf.get(entry)!;
        failedPerGroup.set(group, (failedPerGroup.get(group) ?? 0) + 1);
      }
      for (const [group, failed] of failedPerGroup) {
        outcomes[group] ??= unconfirmed.error(failed, groups[group]!.length);
      }
    }
    return outcomes;
  }

  /** Puts `entries`, retrying the unconfirmed ones; undefined when all are on the stream. */
  private async putWithRetry(entries: PutRecordsRequestEntry[], deadline: number): Promise<Unconfirmed | undefined> {
    let pending = entries;
    let lastErrorCodes: string[] = [];
    let mayHaveBeenAccepted = false;
    let attempts = 0;
    while (attempts < this.maxAttempts) {
      if (attempts > 0) {
        const delay = this.backoffMs(attempts);
        // A sleep that ends at the deadline leaves no time for the call it waits for.
        if (this.now() + delay >= deadline) break;
        await this.sleep(delay);
      }
      const remaining = deadline - this.now();
      if (remaining <= 0) break;
      attempts++;
      try {
        const response = await this.send(pending, remaining);
        const results = response.Records ?? [];
        const failed = pending.filter(
          (_, index) => results[index]?.ErrorCode !== undefined || results[index] === undefined,
        );
        if (failed.length === 0) return undefined;
        lastErrorCodes = results.flatMap((result) => (result.ErrorCode ? [result.ErrorCode] : []));
        pending = failed;
      } catch (error) {
        const failure = classify(error);
        mayHaveBeenAccepted ||= failure.mayHaveBeenAccepted;
        lastErrorCodes = [failure.code];
        if (!failure.retryable) {
          const message = `PutRecords failed with ${failure.code}: ${(error as Error).message}`;
          return {
            entries: new Set(pending),
            error: (failed) => new PublishError(message, failed, [failure.code], mayHaveBeenAccepted),
          };
        }
      }
    }
    const codes = [...new Set(lastErrorCodes)];
    return {
      entries: new Set(pending),
      error: (failed, of) =>
        new PublishError(
          `${failed} of ${of} records not confirmed after ${attempts} attempt(s) ` +
            `within the ${this.deadlineMs} ms deadline (${codes.join(', ') || 'no attempt left'})` +
            (mayHaveBeenAccepted ? '; they may have been accepted' : ''),
          failed,
          codes,
          mayHaveBeenAccepted,
        ),
    };
  }

  /** One PutRecords call, aborted when it would outlive the deadline. */
  private async send(entries: PutRecordsRequestEntry[], timeoutMs: number) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      return await this.options.client.send(
        new PutRecordsCommand({ StreamName: this.options.streamName, Records: entries }),
        { abortSignal: abort.signal },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^retry)). */
  private backoffMs(retry: number): number {
    return Math.floor(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retry));
  }
}

export interface PublisherEnvironment {
  /** @default the function's shared client (runtime/aws-clients.ts) */
  readonly client?: KinesisClient;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The publisher configured from the function's environment: STREAM_NAME, and optionally
 * PUBLISH_DEADLINE_MS (a positive integer; @default `defaultDeadlineMs`).
 */
export function eventPublisherFromEnv(
  { client, env = process.env }: PublisherEnvironment = {},
  defaultDeadlineMs = DEFAULT_PUBLISH_DEADLINE_MS,
): KinesisEventPublisher {
  const configured = env[ENV.publishDeadlineMs];
  const deadlineMs = configured === undefined || configured === '' ? defaultDeadlineMs : Number(configured);
  if (!(Number.isInteger(deadlineMs) && deadlineMs > 0)) {
    throw new Error(`${ENV.publishDeadlineMs} must be a positive integer (milliseconds), got '${configured}'`);
  }
  const streamName = requiredEnv(ENV.streamName, env);
  return new KinesisEventPublisher({ client: client ?? kinesisClient(), streamName, deadlineMs });
}

/**
 * A stream consumer's publisher: the concurrent records of a batch share PutRecords calls
 * (CoalescingEventPublisher), with the consumers' longer deadline (CONSUMER_PUBLISH_DEADLINE_MS).
 */
export function consumerEventPublisherFromEnv(environment: PublisherEnvironment = {}): EventPublisher {
  return new CoalescingEventPublisher(eventPublisherFromEnv(environment, CONSUMER_PUBLISH_DEADLINE_MS));
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

/**
 * Whole-call errors: throttles refused everything (retry); 4xx service errors are final and
 * stored nothing; a 5xx, a timeout, an abort at the deadline or a connection lost after
 * sending may have stored the records (retry, and say so); a connection never made stored nothing.
 */
function classify(error: unknown): CallFailure {
  const candidate = error as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  // A network error can reach us wrapped ("AWS SDK error wrapper for Error: connect ECONNREFUSED ...")
  // without its code: read the code from the message then.
  const wrapped = /\b(E[A-Z]{3,})\b/.exec((error as Error | undefined)?.message ?? '')?.[1];
  const name = candidate.name === 'Error' ? undefined : candidate.name;
  const code = candidate.code ?? candidate.Code ?? name ?? wrapped ?? 'UnknownError';
  if (THROTTLES.has(code)) return { code, retryable: true, mayHaveBeenAccepted: false };
  const status = candidate.$metadata?.httpStatusCode;
  if (FINAL.has(code) || (status !== undefined && status < 500))
    return { code, retryable: false, mayHaveBeenAccepted: false };
  if (NOT_SENT.has(code)) return { code, retryable: true, mayHaveBeenAccepted: false };
  return { code, retryable: true, mayHaveBeenAccepted: true };
}
