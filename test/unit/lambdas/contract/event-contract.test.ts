import { causedBy, type EventOf, originEvent } from '../../../../lambdas/contract/envelope';
import { EventPayloadSchemas } from '../../../../lambdas/contract/events';
import { stepTimedOutEvent } from '../../../../lambdas/domain/order-saga';

/**
 * The event contract is checked by the compiler: `npx tsc --noEmit` (part of `npm test`) fails if
 * a `@ts-expect-error` line below compiles, i.e. if a misspelled event type or a wrong payload
 * were accepted again. The jest assertions check that what does compile also passes the runtime
 * schema of its type, so the compile-time type and the runtime validation are the same contract.
 */
const cause = { eventId: 'evt-1', orderId: 'order-1', correlationId: 'evt-1' };

describe('the typed event contract', () => {
  it('refuses a misspelled event type or a wrong payload at compile time', () => {
    const refused = [
      // @ts-expect-error: 'ORDER_SHIPED' is not an event type
      causedBy(cause, { eventType: 'ORDER_SHIPED', payload: { shipmentId: 'shp-1' } }),
      // @ts-expect-error: ORDER_SHIPPED carries shipmentId, not trackingId
      causedBy(cause, { eventType: 'ORDER_SHIPPED', payload: { trackingId: 'shp-1' } }),
      // @ts-expect-error: amountCents is a number
      causedBy(cause, { eventType: 'PAYMENT_REFUNDED', payload: { paymentId: 'pay-1', amountCents: '10' } }),
      originEvent({
        eventId: 'evt-2',
        eventType: 'ORDER_CANCEL_REQUESTED',
        orderId: 'order-1',
        occurredAt: '2026-01-01T10:00:00.000Z',
        // @ts-expect-error: a customer's cancel request has reason CUSTOMER_REQUESTED only
        payload: { reason: 'OUT_OF_STOCK' },
      }),
    ];

    // What compiled anyway (the calls run) fails the runtime schema of its type too.
    for (const event of refused) {
      const schema = EventPayloadSchemas[event.eventType as keyof typeof EventPayloadSchemas];
      expect(schema?.safeParse(event.payload).success ?? false).toBe(false);
    }
  });

  it('types the envelope by its event type, and the schema accepts what the type allows', () => {
    const shipped: EventOf<'ORDER_SHIPPED'> = causedBy(cause, {
      eventType: 'ORDER_SHIPPED',
      payload: { shipmentId: 'shp-1' },
    });
    const timedOut = stepTimedOutEvent(
      { orderId: 'order-1', correlationId: 'evt-1', version: 3, deadlineAt: '2026-01-01T10:05:00.000Z' },
      '2026-01-01T10:06:00.000Z',
    );

    expect(EventPayloadSchemas[shipped.eventType].parse(shipped.payload)).toEqual({ shipmentId: 'shp-1' });
    expect(EventPayloadSchemas[timedOut.eventType].parse(timedOut.payload)).toEqual({
      version: 3,
      deadlineAt: '2026-01-01T10:05:00.000Z',
    });
    expect(shipped).toMatchObject({ causationId: 'evt-1', correlationId: 'evt-1', orderId: 'order-1' });
    expect(timedOut.causationId).toBe(timedOut.eventId);
  });
});
