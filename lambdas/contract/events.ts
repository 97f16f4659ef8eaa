import * as z from 'zod';

/**
 * The catalogue of records on the order stream: commands (imperative, one consumer acts
 * on each) and events (facts). Every record is wrapped in the envelope of
 * contract/envelope.ts; this module types the `payload` of each `eventType` (version 1).
 * Money is integer cents; currency is ISO 4217.
 */

export const CancellationReasonSchema = z.enum([
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'SHIPPING_FAILED',
  'CUSTOMER_REQUESTED',
  /** A saga step passed its deadline and every re-drive (order/saga deadline sweeper) went unanswered. */
  'STEP_TIMED_OUT',
]);
export type CancellationReason = z.infer<typeof CancellationReasonSchema>;

export const OrderLineSchema = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

export const PricedOrderLineSchema = OrderLineSchema.extend({
  unitPriceCents: z.number().int().nonnegative(),
});
export type PricedOrderLine = z.infer<typeof PricedOrderLineSchema>;

export const ShippingAddressSchema = z.object({
  name: z.string().min(1),
  line1: z.string().min(1),
  city: z.string().min(1),
  postalCode: z.string().min(1),
  /** ISO 3166-1 alpha-2, upper case. */
  country: z.string().regex(/^[A-Z]{2}$/, 'country must be an ISO 3166-1 alpha-2 code'),
});
export type ShippingAddress = z.infer<typeof ShippingAddressSchema>;

/** What the saga carries into terminal events so email needs no lookup. */
const OrderSummarySchema = z.object({
  customerId: z.string().min(1),
  email: z.email(),
  items: z.array(PricedOrderLineSchema).min(1),
  totalCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
});

export const EventPayloadSchemas = {
  // --- published by the API
  ORDER_CREATED: OrderSummarySchema.extend({
    shippingAddress: ShippingAddressSchema,
    paymentToken: z.string().min(1).optional(),
  }),
  ORDER_CANCEL_REQUESTED: z.object({ reason: z.literal('CUSTOMER_REQUESTED') }),

  // --- commands issued by the saga
  RESERVE_INVENTORY: z.object({ items: z.array(OrderLineSchema).min(1) }),
  RELEASE_INVENTORY: z.object({}),
  PROCESS_PAYMENT: z.object({
    customerId: z.string().min(1),
    amountCents: z.number().int().nonnegative(),
    currency: z.string().length(3),
    paymentToken: z.string().min(1).optional(),
  }),
  REFUND_PAYMENT: z.object({}),
  SHIP_ORDER: z.object({
    shippingAddress: ShippingAddressSchema,
    items: z.array(OrderLineSchema).min(1),
  }),

  // --- outcomes published by the services
  INVENTORY_RESERVED: z.object({ items: z.array(OrderLineSchema).min(1) }),
  INVENTORY_RESERVATION_FAILED: z.object({
    reason: z.literal('OUT_OF_STOCK'),
    unavailable: z.array(z.object({ sku: z.string(), requested: z.number().int(), available: z.number().int() })),
  }),
  INVENTORY_RELEASED: z.object({}),
  PAYMENT_PROCESSED: z.object({ paymentId: z.string().min(1), amountCents: z.number().int().nonnegative() }),
  PAYMENT_DECLINED: z.object({ reason: z.string().min(1) }),
  PAYMENT_REFUNDED: z.object({ paymentId: z.string().min(1), amountCents: z.number().int().nonnegative() }),
  ORDER_SHIPPED: z.object({ shipmentId: z.string().min(1) }),
  SHIPPING_FAILED: z.object({ reason: z.string().min(1) }),

  // --- published by the saga deadline sweeper (lambdas/sweeper): the saga at `version` passed its step deadline
  SAGA_STEP_TIMED_OUT: z.object({
    version: z.number().int().positive(),
    deadlineAt: z.iso.datetime({ offset: true }),
  }),

  // --- terminal events published by the saga
  ORDER_COMPLETED: OrderSummarySchema,
  ORDER_CANCELLED: OrderSummarySchema.extend({ reason: CancellationReasonSchema }),
} as const;

export type EventType = keyof typeof EventPayloadSchemas;
export type EventPayload<T extends EventType> = z.infer<(typeof EventPayloadSchemas)[T]>;

/** The only payload version this code reads and writes. */
export const CURRENT_EVENT_VERSION = 1;

export function isKnownEventType(eventType: string): eventType is EventType {
  return Object.hasOwn(EventPayloadSchemas, eventType);
}
