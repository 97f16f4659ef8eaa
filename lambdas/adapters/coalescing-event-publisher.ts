import type { EventPublisher } from '../ports/event-publisher';
import type { EventEnvelope } from '../shared/envelope';

/** Puts several independent groups of events at once; one outcome per group (undefined = all on the stream). */
export interface GroupPublisher {
  publishGroups(groups: readonly (readonly EventEnvelope[])[]): Promise<(Error | undefined)[]>;
}

interface Waiting {
  readonly events: readonly EventEnvelope[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for a consumer's publishes: the records of a batch run concurrently
 * (shared/stream-consumer.ts), and each would otherwise cost its own PutRecords call, about as
 * much CPU as the rest of its work and most of what the local Kinesis emulator can take.
 *
 * One put is in flight at a time. `publish` calls made while it flies wait, and go together
 * in the next one as separate groups (KinesisEventPublisher.publishGroups): under load, one call
 * carries many records; alone, a call goes out at once (after the current I/O callbacks, so
 * calls made in the same turn share it). Each caller still learns its own outcome: its
 * promise resolves only when all its events are on the stream and rejects with its own
 * PublishError otherwise, so a record is reported done only after what it published is stored.
 *
 * Ordering is unchanged: a caller's events go in one group, in order, and the stream
 * consumer never has two records of one order publishing at once.
 *
 * Waiting: a call may wait for the put in flight before its own, so it can take up to twice
 * the publisher's deadline (CONSUMER_PUBLISH_DEADLINE_MS).
 */
export class CoalescingEventPublisher implements EventPublisher {
  private waiting: Waiting[] = [];
  private draining = false;

  public constructor(private readonly target: GroupPublisher) {}

  public publish(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Sends what waits, one put at a time, until nothing waits. */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          const outcomes = await this.target.publishGroups(batch.map((waiting) => waiting.events));
          batch.forEach((waiting, i) => {
            const error = outcomes[i];
            if (error) waiting.reject(error);
            else waiting.resolve();
          });
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
