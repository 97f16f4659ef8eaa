import { CoalescingEventPublisher, type GroupPublisher } from '../../../../lambdas/adapters/coalescing-event-publisher';
import type { EventEnvelope } from '../../../../lambdas/contract/envelope';
import { PublishError } from '../../../../lambdas/ports/event-publisher';
import { anEnvelope } from '../../../helpers/kinesis-events';

/** A group publisher whose puts stay in flight until the test settles them. */
class HeldPuts implements GroupPublisher {
  public readonly puts: { groups: string[][]; settle(outcomes: (Error | undefined)[] | Error): void }[] = [];

  public publishGroups(groups: readonly (readonly EventEnvelope[])[]): Promise<(Error | undefined)[]> {
    return new Promise((resolve, reject) => {
      this.puts.push({
        groups: groups.map((events) => events.map((event) => event.eventId)),
        settle: (outcomes) => (outcomes instanceof Error ? reject(outcomes) : resolve(outcomes)),
      });
    });
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const ids = (events: EventEnvelope[]): string[] => events.map((event) => event.eventId);

describe('CoalescingEventPublisher', () => {
  it('sends a lone publish at once, alone', async () => {
    const target = new HeldPuts();
    const publisher = new CoalescingEventPublisher(target);
    const events = [anEnvelope(), anEnvelope()];
    const done = publisher.publish(events);
    await turn();
    expect(target.puts.map((put) => put.groups)).toEqual([[ids(events)]]);
    target.puts[0]!.settle([undefined]);
    await expect(done).resolves.toBeUndefined();
  });

  it('gathers the publishes made while a put is in flight into the next put, one group each', async () => {
    // Prepare
    const target = new HeldPuts();
    const publisher = new CoalescingEventPublisher(target);
    const first = [anEnvelope()];
    const later = [[anEnvelope()], [anEnvelope(), anEnvelope()], [anEnvelope()]];
    const firstDone = publisher.publish(first);
    await turn();
    // Act: three publishes while the first put flies
    const laterDone = later.map((events) => publisher.publish(events));
    await turn();
    expect(target.puts).toHaveLength(1);
    target.puts[0]!.settle([undefined]);
    await firstDone;
    await turn();
    // Assess
    expect(target.puts.map((put) => put.groups)).toEqual([[ids(first)], later.map(ids)]);
    target.puts[1]!.settle([undefined, undefined, undefined]);
    await expect(Promise.all(laterDone)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('rejects each caller with its own outcome only', async () => {
    const target = new HeldPuts();
    const publisher = new CoalescingEventPublisher(target);
    const ok = publisher.publish([anEnvelope()]);
    const failed = publisher.publish([anEnvelope()]);
    await turn();
    expect(target.puts).toHaveLength(1); // made in the same turn: one put
    const error = new PublishError('1 of 1 records not confirmed', 1, ['ProvisionedThroughputExceededException']);
    target.puts[0]!.settle([undefined, error]);
    await expect(ok).resolves.toBeUndefined();
    await expect(failed).rejects.toBe(error);
  });

  it('rejects the callers of a put that threw, and keeps serving later publishes', async () => {
    const target = new HeldPuts();
    const publisher = new CoalescingEventPublisher(target);
    const doomed = publisher.publish([anEnvelope()]);
    await turn();
    const next = publisher.publish([anEnvelope()]);
    target.puts[0]!.settle(new Error('socket hang up'));
    await expect(doomed).rejects.toThrow('socket hang up');
    await turn();
    expect(target.puts).toHaveLength(2);
    target.puts[1]!.settle([undefined]);
    await expect(next).resolves.toBeUndefined();
  });

  it('does not put anything for an empty publish', async () => {
    const target = new HeldPuts();
    await new CoalescingEventPublisher(target).publish([]);
    await turn();
    expect(target.puts).toHaveLength(0);
  });
});
