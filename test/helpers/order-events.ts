import { randomUUID } from 'node:crypto';
import { causedBy, type EventEnvelope } from '../../lambdas/contract/envelope';
import type { EventPayload, EventType } from '../../lambdas/contract/events';

/** Factories for the records of one order's lifecycle, chained like the real services chain them. */

export function anOrderCreated(
  overrides: Partial<EventPayload<'ORDER_CREATED'>> = {},
  orderId: string = randomUUID(),
): EventEnvelope<EventPayload<'ORDER_CREATED'>> {
  const eventId = randomUUID();
  return {
    eventId,
    eventType: 'ORDER_CREATED',
    eventVersion: 1,
    occurredAt: '2026-01-01T10:00:00.000Z',
    orderId,
    correlationId: eventId,
    causationId: eventId,
    payload: {
      customerId: 'cust-1',
      email: 'ada@example.com',
      items: [
        { sku: 'SKU-A', quantity: 2, unitPriceCents: 1250 },
        { sku: 'SKU-B', quantity: 1, unitPriceCents: 500 },
      ],
      totalCents: 3000,
      currency: 'EUR',
      shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' },
      ...overrides,
    },
  };
}

/** A record of `eventType` caused by `cause` (deterministic id, like the services publish it). */
export function outcomeOf<T extends EventType>(
  cause: EventEnvelope,
  eventType: T,
  payload: EventPayload<T>,
  occurredAt = '2026-01-01T10:00:01.000Z',
): EventEnvelope<EventPayload<T>> {
  return causedBy(cause, { eventType, payload, occurredAt }) as EventEnvelope<EventPayload<T>>;
}

/** A customer's cancel request for the order of `created` (fresh eventId each call). */
export function aCancelRequest(created: EventEnvelope): EventEnvelope<EventPayload<'ORDER_CANCEL_REQUESTED'>> {
  const eventId = randomUUID();
  return {
    eventId,
    eventType: 'ORDER_CANCEL_REQUESTED',
    eventVersion: 1,
    occurredAt: '2026-01-01T10:00:02.000Z',
    orderId: created.orderId,
    correlationId: created.correlationId,
    causationId: eventId,
    payload: { reason: 'CUSTOMER_REQUESTED' },
  };
}

export const OUTCOME_PAYLOADS = {
  INVENTORY_RESERVED: {
    items: [
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ],
  },
  INVENTORY_RESERVATION_FAILED: { reason: 'OUT_OF_STOCK', unavailable: [{ sku: 'SKU-A', requested: 2, available: 1 }] },
  INVENTORY_RELEASED: {},
  PAYMENT_PROCESSED: { paymentId: 'pay-1', amountCents: 3000 },
  PAYMENT_DECLINED: { reason: 'card declined' },
  PAYMENT_REFUNDED: { paymentId: 'pay-1', amountCents: 3000 },
  ORDER_SHIPPED: { shipmentId: 'ship-1' },
  SHIPPING_FAILED: { reason: 'undeliverable country AQ' },
} as const satisfies { [T in EventType]?: EventPayload<T> };
