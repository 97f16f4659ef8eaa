import type { OrderLine } from './events';

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
