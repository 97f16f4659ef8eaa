import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { OrderLine } from '../domain/events';
import { isConditionalCheckFailed } from './dynamodb-errors';
import { findShortfalls } from '../domain/inventory';
import { mergeLines } from '../domain/pricing';
import type { Catalog, CatalogItem } from '../ports/catalog';
import type { InventoryStore, ReleaseResult, ReserveResult } from '../ports/inventory';

/**
 * Catalogue, stock and reservations in INVENTORY_TABLE (partition key `pk`):
 *   `SKU#<sku>`            { sku, available, priceCents, updatedAt }
 *   `RESERVATION#<orderId>` { orderId, status: RESERVED | RELEASED, lines: [{sku, quantity}], ... }
 *
 * Reserving is ONE TransactWriteItems: put the reservation (attribute_not_exists) and
 * decrement every SKU under `available >= :q`. Either all lines are taken or none, stock
 * never goes negative, and concurrent orders cannot oversell (DynamoDB serialises
 * transactions on the same items; a conflicting one is cancelled and retried here).
 * Releasing is ONE transaction too: flip the reservation RESERVED -> RELEASED (condition)
 * and add each line back, so stock comes back exactly once.
 */
export interface DynamoDbInventoryOptions {
  readonly tableName: string;
  /** Transaction attempts before giving up on conflicts. @default 10 */
  readonly maxAttempts?: number;
  /** Base of the exponential backoff (full jitter) between attempts. @default 25 ms */
  readonly backoffBaseMs?: number;
}

interface ReservationItem {
  readonly status: 'RESERVED' | 'RELEASED';
  readonly lines: OrderLine[];
}

export class DynamoDbInventory implements Catalog, InventoryStore {
  private readonly tableName: string;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;

  public constructor(
    private readonly client: DynamoDBDocumentClient,
    options: DynamoDbInventoryOptions,
  ) {
    this.tableName = options.tableName;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoffBaseMs = options.backoffBaseMs ?? 25;
  }

  // ---------------------------------------------------------------- Catalog

  public async getItem(sku: string): Promise<CatalogItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: skuKey(sku) }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { sku, available: Number(Item.available ?? 0), priceCents: Number(Item.priceCents ?? 0) };
  }

  public async getPrices(skus: readonly string[]): Promise<Map<string, number>> {
    const items = await this.batchGetSkus(skus);
    const prices = new Map<string, number>();
    for (const item of items) {
      if (typeof item.priceCents === 'number') prices.set(String(item.sku), item.priceCents);
    }
    return prices;
  }

  public async putItem(item: CatalogItem): Promise<CatalogItem> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: skuKey(item.sku) },
        UpdateExpression: 'SET sku = :sku, available = :available, priceCents = :price, updatedAt = :now',
        ExpressionAttributeValues: {
          ':sku': item.sku,
          ':available': item.available,
          ':price': item.priceCents,
          ':now': new Date().toISOString(),
        },
      }),
    );
    return { sku: item.sku, available: item.available, priceCents: item.priceCents };
  }

  // ---------------------------------------------------------- InventoryStore

  public async reserve(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult> {
    const items = mergeLines(lines);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    pk: reservationKey(orderId),
                    orderId,
                    status: 'RESERVED',
                    lines: items,
                    reservedAt: new Date().toISOString(),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              ...items.map((line) => ({
                Update: {
                  TableName: this.tableName,
                  Key: { pk: skuKey(line.sku) },
                  UpdateExpression: 'SET available = available - :q',
                  ConditionExpression: 'available >= :q',
                  ExpressionAttributeValues: { ':q': line.quantity },
                },
              })),
            ],
          }),
        );
        return { outcome: 'RESERVED', items, alreadyReserved: false };
      } catch (error) {
        if (!isTransactionCanceled(error)) throw error;
      }
      // Cancelled: an earlier delivery reserved, a line is short, or a concurrent
      // transaction conflicted. Decide from consistent reads, not from the reasons.
      const reservation = await this.getReservation(orderId);
      if (reservation) {
        if (reservation.status === 'RELEASED' && reservation.lines.length === 0) return { outcome: 'VOIDED' };
        return { outcome: 'RESERVED', items: reservation.lines, alreadyReserved: true };
      }
      const stock = new Map<string, number>();
      for (const item of await this.batchGetSkus(items.map((line) => line.sku))) {
        stock.set(String(item.sku), Number(item.available ?? 0));
      }
      const unavailable = findShortfalls(items, stock);
      if (unavailable.length > 0) return { outcome: 'OUT_OF_STOCK', unavailable };
      if (attempt >= this.maxAttempts) {
        throw new Error(`reservation of order ${orderId} kept conflicting after ${attempt} attempts`);
      }
      await this.backoff(attempt);
    }
  }

  public async release(orderId: string): Promise<ReleaseResult> {
    for (let attempt = 1; ; attempt++) {
      const reservation = await this.getReservation(orderId);
      if (!reservation) {
        // Never reserved: leave a tombstone so a late RESERVE_INVENTORY cannot take stock.
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                pk: reservationKey(orderId),
                orderId,
                status: 'RELEASED',
                lines: [],
                releasedAt: new Date().toISOString(),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          return { outcome: 'NOTHING_RESERVED' };
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
      } else if (reservation.status === 'RELEASED') {
        return reservation.lines.length === 0 ? { outcome: 'NOTHING_RESERVED' } : { outcome: 'ALREADY_RELEASED' };
      } else {
        try {
          await this.client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: this.tableName,
                    Key: { pk: reservationKey(orderId) },
                    UpdateExpression: 'SET #status = :released, releasedAt = :now',
                    ConditionExpression: '#status = :reserved',
                    ExpressionAttributeNames: { '#status': 'status' },
                    ExpressionAttributeValues: {
                      ':released': 'RELEASED',
                      ':reserved': 'RESERVED',
                      ':now': new Date().toISOString(),
                    },
                  },
                },
                ...reservation.lines.map((line) => ({
                  Update: {
                    TableName: this.tableName,
                    Key: { pk: skuKey(line.sku) },
                    UpdateExpression: 'ADD available :q',
                    ExpressionAttributeValues: { ':q': line.quantity },
                  },
                })),
              ],
            }),
          );
          return { outcome: 'RELEASED', items: reservation.lines };
        } catch (error) {
          if (!isTransactionCanceled(error)) throw error;
        }
      }
      if (attempt >= this.maxAttempts) {
        throw new Error(`release of order ${orderId} kept conflicting after ${attempt} attempts`);
      }
      await this.backoff(attempt);
    }
  }

  // ---------------------------------------------------------------- helpers

  private async getReservation(orderId: string): Promise<ReservationItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: reservationKey(orderId) }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { status: Item.status as ReservationItem['status'], lines: (Item.lines ?? []) as OrderLine[] };
  }

  private async batchGetSkus(skus: readonly string[]): Promise<Record<string, unknown>[]> {
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

  private async backoff(attempt: number): Promise<void> {
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

function isTransactionCanceled(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'TransactionCanceledException' || name === 'TransactionConflictException';
}
