import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CatalogItem } from '../ports/catalog';

/**
 * INVENTORY_TABLE (partition key `pk`) holds two kinds of item, each with its own adapter:
 *   `SKU#<sku>`             { sku, available, priceCents, version, updatedAt }: the catalogue and its
 *                           stock (DynamoDbCatalog, the API's Catalog);
 *   `RESERVATION#<orderId>` { orderId, status: RESERVED | RELEASED | REJECTED, lines: [{sku, quantity}],
 *                           unavailable (REJECTED only), ... }: each order's hold on stock
 *                           (DynamoDbReservations, the inventory consumer's InventoryStore).
 * They share one table because a reservation moves stock in the same transaction as it records itself.
 *
 * Every change of a SKU's `available` (admin write, reservation, release) adds 1 to its `version`: a
 * write conditional on a version read before a reservation is refused instead of silently erasing it.
 * An item without `version` (written before versions) counts as version 0.
 */
export interface InventoryTableOptions {
  readonly tableName: string;
  /** Transaction attempts before giving up on conflicts. @default 10 */
  readonly maxAttempts?: number;
  /** Base of the exponential backoff (full jitter) between attempts. @default 25 ms */
  readonly backoffBaseMs?: number;
}

/** What both adapters of the inventory table do alike: batched consistent SKU reads and backoff. */
export abstract class InventoryTable {
  protected readonly tableName: string;
  protected readonly maxAttempts: number;
  private readonly backoffBaseMs: number;

  public constructor(
    protected readonly client: DynamoDBDocumentClient,
    options: InventoryTableOptions,
  ) {
    this.tableName = options.tableName;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoffBaseMs = options.backoffBaseMs ?? 25;
  }

  /** The SKU items of `skus` that exist (consistent reads, 100 keys a call, unprocessed keys retried). */
  protected async batchGetSkus(skus: readonly string[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    const unique = [...new Set(skus)];
    for (let start = 0; start < unique.length; start += 100) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(start, start + 100)
        .map((sku) => ({ pk: skuKey(sku) }));
      for (let round = 0; keys && keys.length > 0; round++) {
        const response = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        found.push(...(response.Responses?.[this.tableName] ?? []));
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined;
        if (keys && keys.length > 0) await this.backoff(round + 1);
      }
    }
    return found;
  }

  protected async backoff(attempt: number): Promise<void> {
    const cap = Math.min(1_000, this.backoffBaseMs * 2 ** attempt);
    await sleep(Math.random() * cap);
  }
}

export function skuKey(sku: string): string {
  return `SKU#${sku}`;
}

export function reservationKey(orderId: string): string {
  return `RESERVATION#${orderId}`;
}

export function toCatalogItem(sku: string, item: Record<string, unknown>): CatalogItem {
  return {
    sku,
    available: Number(item.available ?? 0),
    priceCents: Number(item.priceCents ?? 0),
    version: Number(item.version ?? 0),
  };
}
