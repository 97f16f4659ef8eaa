import * as z from 'zod';
import { MAX_AVAILABLE } from '../domain/inventory';
import { MAX_QUANTITY_PER_SKU, MAX_UNIT_PRICE_CENTS } from '../domain/pricing';

/**
 * Request schemas of the HTTP API. Unknown body fields are ignored (stripped); in
 * particular any price a client sends is ignored: prices come from the catalogue.
 */

/** Most distinct lines per order: a reservation is one DynamoDB transaction (max 100 items). */
export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = MAX_QUANTITY_PER_SKU;

export const SkuSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'sku may contain only letters, digits, ".", "_" and "-"');

const regionNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
  } catch {
    return undefined;
  }
})();

/** Region codes ICU names that are not ISO 3166-1 country codes. */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'UK', 'QO']);

/** True for an assigned ISO 3166-1 alpha-2 code (checked against ICU's region names). */
export function isIsoCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  if (!regionNames) return true;
  const name = regionNames.of(code);
  return name !== undefined && name !== code && name !== 'Unknown Region';
}

export const CountrySchema = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine(isIsoCountryCode, 'country must be an ISO 3166-1 alpha-2 code, e.g. "DE" or "US"');

export const PlaceOrderRequestSchema = z.object({
  customerId: z.string().trim().min(1).max(128),
  email: z.email().max(254),
  items: z
    .array(
      z.object({
        sku: SkuSchema,
        quantity: z.number().int().positive().max(MAX_LINE_QUANTITY),
      }),
    )
    .min(1, 'an order needs at least one line')
    .max(MAX_ORDER_LINES)
    .superRefine((lines, context) => {
      // Lines of one SKU are merged into one reservation line: bound the merged quantity too.
      const merged = new Map<string, number>();
      lines.forEach((line, index) => {
        const quantity = (merged.get(line.sku) ?? 0) + line.quantity;
        merged.set(line.sku, quantity);
        if (quantity > MAX_QUANTITY_PER_SKU && quantity - line.quantity <= MAX_QUANTITY_PER_SKU) {
          context.addIssue({
            code: 'custom',
            path: [index, 'quantity'],
            message: `the lines of SKU '${line.sku}' add up to more than ${MAX_QUANTITY_PER_SKU} units`,
          });
        }
      });
    }),
  shippingAddress: z.object({
    name: z.string().trim().min(1).max(200),
    line1: z.string().trim().min(1).max(200),
    city: z.string().trim().min(1).max(100),
    postalCode: z.string().trim().min(1).max(20),
    country: CountrySchema,
  }),
  paymentToken: z.string().min(1).max(128).optional(),
});
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequestSchema>;

/**
 * POST /orders from a customer (JWT): the token's subject is the customer, so `customerId` may be
 * left out; when given it must be the subject (checked by the use case, ./order-api.ts).
 */
export const CustomerPlaceOrderRequestSchema = PlaceOrderRequestSchema.extend({
  customerId: PlaceOrderRequestSchema.shape.customerId.optional(),
});
/** An order as requested, before the customer is resolved from the caller. */
export type PlaceOrderDraft = z.infer<typeof CustomerPlaceOrderRequestSchema>;

export const PutInventoryRequestSchema = z.object({
  available: z.number().int().nonnegative().max(MAX_AVAILABLE),
  priceCents: z.number().int().nonnegative().max(MAX_UNIT_PRICE_CENTS),
});
export type PutInventoryRequest = z.infer<typeof PutInventoryRequestSchema>;

/** POST /inventory/{sku}/adjustments: a relative change of `available` (restock > 0, write-off < 0). */
export const AdjustInventoryRequestSchema = z.object({
  delta: z
    .number()
    .int()
    .min(-MAX_AVAILABLE)
    .max(MAX_AVAILABLE)
    .refine((delta) => delta !== 0, 'delta must not be 0'),
});
export type AdjustInventoryRequest = z.infer<typeof AdjustInventoryRequestSchema>;

export const OrderIdParamsSchema = z.object({ orderId: z.string().min(1).max(128) });
export const SkuParamsSchema = z.object({ sku: SkuSchema });

/** The optional Idempotency-Key header (IETF draft): 1-255 visible ASCII characters. */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7E]{1,255}$/, 'Idempotency-Key must be 1-255 visible ASCII characters')
  .optional();
