/** A catalogue entry: stock on hand and unit price (integer cents). */
export interface CatalogItem {
  readonly sku: string;
  readonly available: number;
  readonly priceCents: number;
}

/** Read and set catalogue entries (the admin side of inventory). */
export interface Catalog {
  /** The entry of a SKU, or undefined when the catalogue does not know it. */
  getItem(sku: string): Promise<CatalogItem | undefined>;
  /** Unit prices of the known SKUs among `skus` (unknown SKUs are absent from the map). */
  getPrices(skus: readonly string[]): Promise<Map<string, number>>;
  /** Creates or overwrites the stock and price of a SKU (reservations are not touched). */
  putItem(item: CatalogItem): Promise<CatalogItem>;
}
