import { orderCreatedEvent } from '../api/order-api';
import type { PlaceOrderRequest } from '../api/schemas';
import type { EventOf } from '../contract/envelope';
import { priceOrder } from '../domain/pricing';

/** An order's ORDER_CREATED, or the SKUs the catalogue does not know. */
export type OrderCreatedResult =
  | { readonly ok: true; readonly event: EventOf<'ORDER_CREATED'> }
  | { readonly ok: false; readonly unknownSkus: string[] };

/**
 * The ORDER_CREATED record of an order, built by the API's own builder (lambdas/api/order-api.ts)
 * from catalogue prices, so the same order always gives the same eventId.
 */
export function orderCreatedFor(
  orderId: string,
  request: PlaceOrderRequest,
  unitPrices: ReadonlyMap<string, number>,
  occurredAt: string,
): OrderCreatedResult {
  const priced = priceOrder(request.items, unitPrices);
  if (!priced.ok) return { ok: false, unknownSkus: priced.unknownSkus };
  return { ok: true, event: orderCreatedEvent(orderId, request, priced, occurredAt) };
}
