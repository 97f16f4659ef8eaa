import type { EventEnvelope } from '../contract/envelope';

/**
 * How long one `publish` call may take, retries included, unless configured otherwise: well
 * below the API function's timeout (10 s), so the API always answers its own 503 instead of
 * running into the timeout (a gateway 500). lib/constructs/order-api.ts checks the margin.
 */
export const DEFAULT_PUBLISH_DEADLINE_MS = 3_000;

/**
 * The publish deadline of the stream consumers unless configured otherwise. They have 30 s,
 * and no client waits on them: with the API's 3 s, a stream slow for a few seconds failed
 * their records, whose retries put more load on it (seen in the local soak). A coalesced
 * publish may wait for the put in flight first, so a record's publish takes at most 2 x 8 s.
 */
export const CONSUMER_PUBLISH_DEADLINE_MS = 8_000;

/** Puts envelopes on the order stream, partitioned by orderId (per-order ordering). */
export interface EventPublisher {
  /**
   * Publishes all events or throws `PublishError` once its deadline (or attempt budget) is spent.
   * Calls are ordered (a call returns only when all its events are on the stream); within
   * one call, a retried entry may land after its neighbours, so put events whose
   * relative order matters in separate calls. Events already accepted by the stream before the error stay accepted; a
   * retry of the whole call is safe because consumers deduplicate by eventId.
   */
  publish(events: readonly EventEnvelope[]): Promise<void>;
}

export class PublishError extends Error {
  public readonly name = 'PublishError';
  public constructor(
    message: string,
    /** How many of the events could not be confirmed on the stream. */
    public readonly failedCount: number,
    /** Error codes Kinesis gave for the failed entries (e.g. ProvisionedThroughputExceededException). */
    public readonly errorCodes: readonly string[],
    /**
     * True when a call carrying the unconfirmed events failed in a way that does not tell
     * whether Kinesis stored them (a timeout, a connection reset after sending, a 5xx): they
     * may be on the stream. False only when every attempt was refused for sure (throttled
     * entries, connection refused, a missing stream).
     */
    public readonly mayHaveBeenAccepted: boolean = false,
  ) {
    super(message);
  }
}
