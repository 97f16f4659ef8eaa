import type { EventEnvelope } from '../contract/envelope';
import type { EventPayload, EventType } from '../contract/events';
import { isTerminalStatus, type OrderStatus, type OrderView } from './order-status';

/**
 * The read-model projection as a pure function: what one lifecycle event does to the
 * OrderView of its order. Idempotent and monotonic: a status only moves forward along
 * PENDING < INVENTORY_RESERVED < PAYMENT_PROCESSED < SHIPPED < COMPLETED | CANCELLED,
 * terminal statuses are final, so a duplicate or late event adds no history entry and
 * never regresses the status.
 */

/** The event that puts an order in each status. */
export const STATUS_BY_EVENT: Readonly<Partial<Record<EventType, OrderStatus>>> = {
  ORDER_CREATED: 'PENDING',
  INVENTORY_RESERVED: 'INVENTORY_RESERVED',
  PAYMENT_PROCESSED: 'PAYMENT_PROCESSED',
  ORDER_SHIPPED: 'SHIPPED',
  ORDER_COMPLETED: 'COMPLETED',
  ORDER_CANCELLED: 'CANCELLED',
};

export const PROJECTED_EVENT_TYPES = Object.keys(STATUS_BY_EVENT) as EventType[];

const RANK: Readonly<Record<OrderStatus, number>> = {
  PENDING: 0,
  INVENTORY_RESERVED: 1,
  PAYMENT_PROCESSED: 2,
  SHIPPED: 3,
  COMPLETED: 4,
  CANCELLED: 4,
};

export type ProjectionDecision =
  | { readonly kind: 'updated'; readonly view: OrderView }
  | { readonly kind: 'ignored'; readonly reason: string };

type SummaryPayload = EventPayload<'ORDER_COMPLETED'>;

export function projectOrderEvent(view: OrderView | undefined, event: EventEnvelope): ProjectionDecision {
  const status = STATUS_BY_EVENT[event.eventType as EventType];
  if (!status) return { kind: 'ignored', reason: `${event.eventType} does not change the read model` };
  const change = { status, at: event.occurredAt };

  if (!view) {
    // ORDER_CREATED opens the view. The terminal events carry the summary too, so they can
    // open it should ORDER_CREATED have been lost (it precedes them on the order's shard).
    if (
      event.eventType !== 'ORDER_CREATED' &&
      event.eventType !== 'ORDER_COMPLETED' &&
      event.eventType !== 'ORDER_CANCELLED'
    ) {
      return { kind: 'ignored', reason: `${event.eventType} for an order the read model does not know` };
    }
    const summary = event.payload as SummaryPayload;
    return {
      kind: 'updated',
      view: {
        orderId: event.orderId,
        status,
        customerId: summary.customerId,
        email: summary.email,
        items: summary.items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
        totalCents: summary.totalCents,
        currency: summary.currency,
        ...cancellation(event),
        history: [change],
        version: 1,
      },
    };
  }

  if (isTerminalStatus(view.status)) {
    return { kind: 'ignored', reason: `the order is ${view.status}, which is final` };
  }
  if (RANK[status] <= RANK[view.status]) {
    return { kind: 'ignored', reason: `${status} is not ahead of ${view.status} (duplicate or stale)` };
  }
  return {
    kind: 'updated',
    view: { ...view, status, ...cancellation(event), history: [...view.history, change], version: view.version + 1 },
  };
}

function cancellation(event: EventEnvelope): Pick<OrderView, 'cancellationReason'> {
  return event.eventType === 'ORDER_CANCELLED'
    ? { cancellationReason: (event.payload as EventPayload<'ORDER_CANCELLED'>).reason }
    : {};
}
