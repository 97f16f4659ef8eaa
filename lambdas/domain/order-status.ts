import type { CancellationReason, PricedOrderLine } from '../contract/events';

/** The customer-visible status of an order, as shown by GET /orders/{orderId}. */
export type OrderStatus =
  | 'PENDING'
  | 'INVENTORY_RESERVED'
  | 'PAYMENT_PROCESSED'
  | 'SHIPPED'
  | 'COMPLETED'
  | 'CANCELLED';

/** COMPLETED and CANCELLED are final: nothing moves an order out of them. */
export function isTerminalStatus(status: OrderStatus): boolean {
  return status === 'COMPLETED' || status === 'CANCELLED';
}

/**
 * A customer may cancel until the order has shipped: PENDING, INVENTORY_RESERVED and
 * PAYMENT_PROCESSED are cancellable; SHIPPED / COMPLETED are not (409), CANCELLED is
 * already cancelled.
 */
export function isCancellableStatus(status: OrderStatus): boolean {
  return status === 'PENDING' || status === 'INVENTORY_RESERVED' || status === 'PAYMENT_PROCESSED';
}

/** One entry of the status history: the status and when the fact behind it happened. */
export interface OrderStatusChange {
  readonly status: OrderStatus;
  /** ISO-8601, the `occurredAt` of the event that caused the change. */
  readonly at: string;
}

/** The read model of one order (the ORDERS_TABLE item, partition key `orderId`). */
export interface OrderView {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly customerId: string;
  readonly email: string;
  /** Lines with the catalog unit price fixed when the order was placed. */
  readonly items: PricedOrderLine[];
  readonly totalCents: number;
  /** ISO 4217. */
  readonly currency: string;
  /** Set when status is CANCELLED. */
  readonly cancellationReason?: CancellationReason;
  /** Oldest first; one entry per status the order reached. */
  readonly history: OrderStatusChange[];
  /** Optimistic-locking version, 1 for the first write, +1 per applied change. */
  readonly version: number;
}
