import { z } from 'zod';

/**
 * Request schemas of the HTTP API. Unknown body fields are ignored (stripped); in
 * particular any price a client sends is ignored: prices come from the catalogue.
 */

/** Most distinct lines per order: a reservation is one DynamoDB transaction (max 100 items). */
export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1_000;

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
    .max(MAX_ORDER_LINES),
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

export const PutInventoryRequestSchema = z.object({
  available: z.number().int().nonnegative(),
  priceCents: z.number().int().nonnegative(),
});
export type PutInventoryRequest = z.infer<typeof PutInventoryRequestSchema>;

export const OrderIdParamsSchema = z.object({ orderId: z.string().min(1).max(128) });
export const SkuParamsSchema = z.object({ sku: SkuSchema });

/** The optional Idempotency-Key header (IETF draft): 1-255 visible ASCII characters. */
export const IdempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7E]{1,255}$/, 'Idempotency-Key must be 1-255 visible ASCII characters')
  .optional();
