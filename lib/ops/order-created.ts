import { orderCreatedEventId } from '../../lambdas/api/order-api';
import type { PlaceOrderRequest } from '../../lambdas/api/schemas';
import type { EventPayload } from '../../lambdas/domain/events';
import { priceOrder } from '../../lambdas/domain/pricing';
import type { EventEnvelope } from '../../lambdas/shared/envelope';

/** An order's ORDER_CREATED, or the SKUs the catalogue does not know. */
export type OrderCreatedResult =
  | { readonly ok: true; readonly event: EventEnvelope<EventPayload<'ORDER_CREATED'>> }
  | { readonly ok: false; readonly unknownSkus: string[] };

/**
 * The ORDER_CREATED record of an order, built as the API builds it (lambdas/api/order-api.ts):
 * priced from catalogue prices, eventId = correlationId = causationId derived from the orderId,
 * so the same order always gives the same eventId.
 */
export function orderCreatedFor(
  orderId: string,
  request: PlaceOrderRequest,
  unitPrices: ReadonlyMap<string, number>,
  occurredAt: string,
): OrderCreatedResult {
  const priced = priceOrder(request.items, unitPrices);
  if (!priced.ok) return { ok: false, unknownSkus: priced.unknownSkus };
  const eventId = orderCreatedEventId(orderId);
  return {
    ok: true,
    event: {
      eventId,
      eventType: 'ORDER_CREATED',
      eventVersion: 1,
      occurredAt,
      orderId,
      correlationId: eventId,
      causationId: eventId,
      payload: {
        customerId: request.customerId,
        email: request.email,
        items: priced.items,
        totalCents: priced.totalCents,
        currency: priced.currency,
        shippingAddress: request.shippingAddress,
        ...(request.paymentToken !== undefined ? { paymentToken: request.paymentToken } : {}),
      },
    },
  };
}
