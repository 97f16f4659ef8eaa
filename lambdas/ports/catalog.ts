/** A catalogue entry: stock on hand, unit price (integer cents), and its version. */
export interface CatalogItem {
  readonly sku: string;
  readonly available: number;
  readonly priceCents: number;
  /**
   * Bumped by every change of the entry: admin writes AND reservations/releases (both change
   * `available`), so a write conditional on a version read before a reservation is refused
   * instead of erasing it. 0 for an entry written before versions existed.
   */
  readonly version: number;
}

/** What a conditional write expects to find. */
export type ExpectedVersion =
  /** The entry exists with exactly this version. */
  | { readonly version: number }
  /** The entry exists, whatever its version (If-Match: *). */
  | 'EXISTS'
  /** The entry does not exist (a create). */
  | 'ABSENT';

export type CatalogWriteResult =
  | { readonly ok: true; readonly item: CatalogItem }
  /** The expectation did not hold; `current` is the entry now (undefined when there is none). */
  | { readonly ok: false; readonly reason: 'PRECONDITION_FAILED'; readonly current: CatalogItem | undefined }
  /** The adjustment would take `available` below 0 or above the maximum; nothing changed. */
  | { readonly ok: false; readonly reason: 'OUT_OF_RANGE'; readonly current: CatalogItem };

/** Read and change catalogue entries (the admin side of inventory). */
export interface Catalog {
  /** The entry of a SKU, or undefined when the catalogue does not know it. */
  getItem(sku: string): Promise<CatalogItem | undefined>;
  /** Unit prices of the known SKUs among `skus` (unknown SKUs are absent from the map). */
  getPrices(skus: readonly string[]): Promise<Map<string, number>>;
  /**
   * Sets the stock and price of a SKU if the entry is as `expected` (reservations are not
   * touched); the version goes up by one (a new entry starts at version 1). Without `expected`
   * the write is unconditional (seeding and tests; the HTTP API always passes one).
   */
  putItem(
    item: Pick<CatalogItem, 'sku' | 'available' | 'priceCents'>,
    expected?: ExpectedVersion,
  ): Promise<CatalogWriteResult>;
  /**
   * Adds `delta` to the stock of an existing SKU in one conditional write, refused (OUT_OF_RANGE)
   * when the result would leave 0..maxAvailable; optionally also conditional on a version.
   * A missing SKU answers PRECONDITION_FAILED with `current` undefined.
   */
  adjustAvailable(
    sku: string,
    delta: number,
    options: { readonly maxAvailable: number; readonly expected?: ExpectedVersion },
  ): Promise<CatalogWriteResult>;
}
