import type { OrderLine, PricedOrderLine } from '../contract/events';

/** The one currency of the catalogue (ISO 4217). Prices are integer cents. */
export const CURRENCY = 'USD';

/**
 * Bounds checked where data enters (PUT /inventory, POST /orders), so that every order the
 * API accepts is one every consumer can process: the largest possible order (50 lines x 1,000
 * units x 10,000,000 cents = 5e11) is far inside the safe-integer range the event schemas
 * require, and the total is capped well below it.
 */
/** Highest unit price: 10,000,000 cents = 100,000.00 USD. */
export const MAX_UNIT_PRICE_CENTS = 10_000_000;
/** Most units of one SKU in one order, after merging repeated lines of that SKU. */
export const MAX_QUANTITY_PER_SKU = 1_000;
/** Highest order total: 1,000,000,000 cents = 10,000,000.00 USD. */
export const MAX_ORDER_TOTAL_CENTS = 1_000_000_000;

/**
 * Merges lines of the same SKU into one (quantities added), keeping the order in
 * which SKUs first appear. An order, a reservation and a DynamoDB transaction all
 * need each SKU at most once.
 */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

export type PricingResult =
  | { readonly ok: true; readonly items: PricedOrderLine[]; readonly totalCents: number; readonly currency: string }
  | { readonly ok: false; readonly unknownSkus: string[] };

/**
 * Prices an order from catalogue prices (never from the client): merges duplicate
 * SKUs, attaches each unit price and sums the total. Fails with the SKUs the
 * catalogue does not know.
 */
export function priceOrder(lines: readonly OrderLine[], unitPrices: ReadonlyMap<string, number>): PricingResult {
  const merged = mergeLines(lines);
  const unknownSkus = merged.filter((line) => !unitPrices.has(line.sku)).map((line) => line.sku);
  if (unknownSkus.length > 0) return { ok: false, unknownSkus };
  const items = merged.map((line) => ({ ...line, unitPriceCents: unitPrices.get(line.sku)! }));
  const totalCents = items.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
  return { ok: true, items, totalCents, currency: CURRENCY };
}
