import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../../../../lambdas/contract/envelope';
import { faultInjector } from '../../../../lambdas/runtime/fault-injection';
import { createStreamConsumer } from '../../../../lambdas/runtime/stream-consumer';
import { aKinesisEvent, aLambdaContext, anEnvelope } from '../../../helpers/kinesis-events';

const releaseOf = (orderId: string) => anEnvelope({ orderId, eventType: 'RELEASE_INVENTORY', payload: {} });
const refundOf = (orderId: string) => anEnvelope({ orderId, eventType: 'REFUND_PAYMENT', payload: {} });

function consumerRecording(failOn: (event: EventEnvelope) => boolean = () => false) {
  const seen: string[] = [];
  const record = async (event: EventEnvelope): Promise<void> => {
    if (failOn(event)) throw new Error(`cannot handle ${event.eventId}`);
    seen.push(event.eventId);
  };
  const handler = createStreamConsumer({
    handlers: { RELEASE_INVENTORY: record, REFUND_PAYMENT: record },
    faults: null,
  });
  return { handler, seen };
}

function failedIds(
  response: { batchItemFailures: { itemIdentifier: string }[] },
  event: ReturnType<typeof aKinesisEvent>,
) {
  const sequenceToIndex = new Map(event.Records.map((record, index) => [record.kinesis.sequenceNumber, index]));
  return response.batchItemFailures.map((failure) => sequenceToIndex.get(failure.itemIdentifier));
}

describe('createStreamConsumer', () => {
  it('processes every record of a healthy batch in stream order and reports no failure', async () => {
    // Prepare
    const events = [releaseOf('o1'), refundOf('o2'), refundOf('o1')];
    const { handler, seen } = consumerRecording();
    // Act
    const response = await handler(aKinesisEvent(events), aLambdaContext());
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual(events.map((event) => event.eventId));
  });

  it('reports one bad record by its sequence number and processes the rest', async () => {
    // Prepare
    const bad = releaseOf('o2');
    const events = [releaseOf('o1'), bad, refundOf('o3'), refundOf('o4')];
    const { handler, seen } = consumerRecording((event) => event.eventId === bad.eventId);
    const kinesisEvent = aKinesisEvent(events);
    // Act
    const response = await handler(kinesisEvent, aLambdaContext());
    // Assess
    expect(failedIds(response, kinesisEvent)).toEqual([1]);
    expect(seen).toEqual([events[0]?.eventId, events[2]?.eventId, events[3]?.eventId]);
  });

  it('holds back later records of the same order after one of them failed', async () => {
    // Prepare
    const first = releaseOf('o1');
    const events = [first, refundOf('o2'), refundOf('o1')];
    const { handler, seen } = consumerRecording((event) => event.eventId === first.eventId);
    const kinesisEvent = aKinesisEvent(events);
    // Act
    const response = await handler(kinesisEvent, aLambdaContext());
    // Assess: o1's second record is not applied before its first one
    expect(failedIds(response, kinesisEvent)).toEqual([0, 2]);
    expect(seen).toEqual([events[1]?.eventId]);
  });

  it.each([
    ['not JSON', '{{{'],
    ['not an envelope', JSON.stringify({ hello: 'world' })],
    ['an invalid payload', JSON.stringify(anEnvelope({ eventType: 'RESERVE_INVENTORY', payload: { items: 'none' } }))],
    ['an unsupported version', JSON.stringify(anEnvelope({ eventType: 'RELEASE_INVENTORY', eventVersion: 2 }))],
  ])('reports a poison record (%s) as a failure without crashing the batch', async (_label, data) => {
    // Prepare
    const handlers = {
      RELEASE_INVENTORY: async () => undefined,
      RESERVE_INVENTORY: async () => undefined,
    };
    const handler = createStreamConsumer({ handlers, faults: null });
    const healthy = releaseOf(randomUUID());
    const kinesisEvent = aKinesisEvent([healthy, data]);
    // Act
    const response = await handler(kinesisEvent, aLambdaContext());
    // Assess
    expect(failedIds(response, kinesisEvent)).toEqual([1]);
  });

  it('skips record types it has no handler for, without failing them', async () => {
    const { handler, seen } = consumerRecording();
    const other = anEnvelope({ eventType: 'ORDER_SHIPPED', payload: { shipmentId: 's1' } });
    const unknown = anEnvelope({ eventType: 'SOMETHING_NEW', payload: {} });
    const response = await handler(aKinesisEvent([other, unknown]), aLambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('fails the invocation when every record failed, so Lambda can retry or bisect the batch', async () => {
    const { handler } = consumerRecording(() => true);
    await expect(handler(aKinesisEvent([releaseOf('o1'), refundOf('o2')]), aLambdaContext())).rejects.toThrow(
      /All records failed/,
    );
  });

  it('hands handlers the payload as validated by the event schema', async () => {
    const received: unknown[] = [];
    const handler = createStreamConsumer({
      handlers: { RESERVE_INVENTORY: async (event) => void received.push(event.payload.items) },
      faults: null,
    });
    const items = [{ sku: 'SKU-1', quantity: 2 }];
    await handler(
      aKinesisEvent([anEnvelope({ eventType: 'RESERVE_INVENTORY', payload: { items } })]),
      aLambdaContext(),
    );
    expect(received).toEqual([items]);
  });

  it('with the fault switch on, fails records before or after their handler and reports them for redelivery', async () => {
    // Prepare: draws cycle through before / after / no fault (rate 0.5: thirds at 0.0, 0.2, then 0.9 = none)
    const draws = [0.0, 0.2, 0.9];
    let n = 0;
    const faults = faultInjector(0.5, { random: () => draws[n++ % draws.length]!, exit: () => undefined });
    const seen: string[] = [];
    const handler = createStreamConsumer({
      handlers: { RELEASE_INVENTORY: async (event) => void seen.push(event.eventId) },
      faults,
    });
    const events = [releaseOf('o1'), releaseOf('o2'), releaseOf('o3')];
    // Act
    const response = await handler(aKinesisEvent(events), aLambdaContext());
    // Assess: o1 failed before its handler, o2 after it (handled, still reported failed), o3 clean
    expect(seen).toEqual([events[1]!.eventId, events[2]!.eventId]);
    expect(failedIds(response, aKinesisEvent(events))).toEqual([0, 1]);
  });
});
