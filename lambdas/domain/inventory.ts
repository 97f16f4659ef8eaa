import type { OrderLine } from '../contract/events';

/**
 * Most units of one SKU an admin may set (PUT) or adjust to (POST .../adjustments). Releases
 * give back what was reserved, so stock can exceed it only by units that were reserved when an
 * admin set it to the maximum.
 */
export const MAX_AVAILABLE = 1_000_000;

/** A line that cannot be reserved: requested more than is available (0 for an unknown SKU). */
export interface Shortfall {
  readonly sku: string;
  readonly requested: number;
  readonly available: number;
}

/** The lines of a reservation request that current stock cannot cover. */
export function findShortfalls(lines: readonly OrderLine[], stock: ReadonlyMap<string, number>): Shortfall[] {
  return lines
    .map((line) => ({ sku: line.sku, requested: line.quantity, available: stock.get(line.sku) ?? 0 }))
    .filter((line) => line.available < line.requested);
}
