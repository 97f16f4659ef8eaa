import type { EventEnvelope } from '../shared/envelope';

/** Puts envelopes on the order stream, partitioned by orderId (per-order ordering). */
export interface EventPublisher {
  /**
   * Publishes all events or throws `PublishError` once the retry budget is spent.
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
    /** How many of the events could not be put on the stream. */
    public readonly failedCount: number,
    /** Error codes Kinesis gave for the failed entries (e.g. ProvisionedThroughputExceededException). */
    public readonly errorCodes: readonly string[],
  ) {
    super(message);
  }
}
