import type { EventEnvelope } from '../contract/envelope';
import type { EventPublisher } from '../ports/event-publisher';
import { GroupCommit } from '../runtime/group-commit';

/** Puts several independent groups of events at once; one outcome per group (undefined = all on the stream). */
export interface GroupPublisher {
  publishGroups(groups: readonly (readonly EventEnvelope[])[]): Promise<(Error | undefined)[]>;
}

/**
 * Group commit for a consumer's publishes (runtime/group-commit.ts): the records of a batch run
 * concurrently (runtime/stream-consumer.ts), and each would otherwise cost its own PutRecords
 * call, about as much CPU as the rest of its work and most of what the local Kinesis emulator
 * can take. `publish` calls made while a put is in flight go together in the next one, each as
 * its own group (KinesisEventPublisher.publishGroups), and each caller still learns its own
 * outcome: its promise resolves only when all its events are on the stream and rejects with
 * its own PublishError otherwise, so a record is reported done only after what it published
 * is stored.
 *
 * Ordering is unchanged: a caller's events go in one group, in order, and the stream
 * consumer never has two records of one order publishing at once.
 *
 * Waiting: a call may wait for the put in flight before its own, so it can take up to twice
 * the publisher's deadline (CONSUMER_PUBLISH_DEADLINE_MS).
 */
export class CoalescingEventPublisher implements EventPublisher {
  private readonly puts: GroupCommit<readonly EventEnvelope[], void>;

  public constructor(target: GroupPublisher) {
    this.puts = new GroupCommit(async (groups) =>
      (await target.publishGroups(groups)).map((error) => (error ? { error } : { value: undefined })),
    );
  }

  public publish(events: readonly EventEnvelope[]): Promise<void> {
    return events.length === 0 ? Promise.resolve() : this.puts.submit(events);
  }
}
