import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OrderLine } from '../contract/events';
import { findShortfalls, type Shortfall } from '../domain/inventory';
import { mergeLines } from '../domain/pricing';
import type { Catalog, CatalogItem, CatalogWriteResult, ExpectedVersion } from '../ports/catalog';
import type { InventoryStore, ReleaseResult, ReserveResult } from '../ports/inventory';
import { isConditionalCheckFailed } from './dynamodb-errors';

/**
 * Catalogue, stock and reservations in INVENTORY_TABLE (partition key `pk`):
 *   `SKU#<sku>`            { sku, available, priceCents, version, updatedAt }
 *   `RESERVATION#<orderId>` { orderId, status: RESERVED | RELEASED | REJECTED, lines: [{sku, quantity}],
 *                             unavailable (REJECTED only), ... }
 *
 * Reserving is ONE TransactWriteItems: put the reservation (attribute_not_exists) and
 * decrement every SKU under `available >= :q`. Either all lines are taken or none, stock
 * never goes negative, and concurrent orders cannot oversell (DynamoDB serialises
 * transactions on the same items; a conflicting one is cancelled and retried here).
 * A refusal (a line short) is recorded too, as a REJECTED reservation (attribute_not_exists),
 * so a later delivery of the same reservation (replay, redrive, retry after a restock) gets
 * the same refusal and never takes stock for an order that was already cancelled.
 * Releasing is ONE transaction too: flip the reservation RESERVED -> RELEASED (condition)
 * and add each line back, so stock comes back exactly once.
 *
 * Every change of a SKU's `available` (admin write, reservation, release) adds 1 to its
 * `version`: a write conditional on a version read before a reservation is refused instead of
 * silently erasing it. An item without `version` (written before versions) counts as version 0.
 */
export interface DynamoDbInventoryOptions {
  readonly tableName: string;
  /** Transaction attempts before giving up on conflicts. @default 10 */
  readonly maxAttempts?: number;
  /** Base of the exponential backoff (full jitter) between attempts. @default 25 ms */
  readonly backoffBaseMs?: number;
}

type Reservation =
  | { readonly status: 'RESERVED' | 'RELEASED'; readonly lines: OrderLine[] }
  | { readonly status: 'REJECTED'; readonly lines: OrderLine[]; readonly unavailable: Shortfall[] };

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
    return Item ? toCatalogItem(sku, Item) : undefined;
  }

  public async getPrices(skus: readonly string[]): Promise<Map<string, number>> {
    const items = await this.batchGetSkus(skus);
    const prices = new Map<string, number>();
    for (const item of items) {
      if (typeof item.priceCents === 'number') prices.set(String(item.sku), item.priceCents);
    }
    return prices;
  }

  public async putItem(
    item: Pick<CatalogItem, 'sku' | 'available' | 'priceCents'>,
    expected?: ExpectedVersion,
  ): Promise<CatalogWriteResult> {
    const condition = expected === undefined ? undefined : versionCondition(expected);
    return this.conditionalSkuUpdate(item.sku, {
      UpdateExpression:
        'SET sku = :sku, available = :available, priceCents = :price, updatedAt = :now ADD version :one',
      ...(condition ? { ConditionExpression: condition.expression } : {}),
      ExpressionAttributeValues: {
        ':sku': item.sku,
        ':available': item.available,
        ':price': item.priceCents,
        ':now': new Date().toISOString(),
        ':one': 1,
        ...condition?.values,
      },
    });
  }

  public async adjustAvailable(
    sku: string,
    delta: number,
    options: { readonly maxAvailable: number; readonly expected?: ExpectedVersion },
  ): Promise<CatalogWriteResult> {
    const version = versionCondition(options.expected ?? 'EXISTS');
    const range =
      delta < 0
        ? { expression: 'available >= :needed', values: { ':needed': -delta } }
        : { expression: 'available <= :room', values: { ':room': options.maxAvailable - delta } };
    const result = await this.conditionalSkuUpdate(sku, {
      UpdateExpression: 'SET updatedAt = :now ADD available :delta, version :one',
      ConditionExpression: `${version.expression} AND ${range.expression}`,
      ExpressionAttributeValues: {
        ':delta': delta,
        ':now': new Date().toISOString(),
        ':one': 1,
        ...version.values,
        ...range.values,
      },
    });
    if (result.ok || !result.current) return result;
    // The write was refused: on the version, or (the version held) on the range.
    const expected = options.expected;
    const versionHeld =
      !expected || expected === 'EXISTS' || (expected !== 'ABSENT' && expected.version === result.current.version);
    return versionHeld ? { ok: false, reason: 'OUT_OF_RANGE', current: result.current } : result;
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
                  UpdateExpression: 'SET available = available - :q ADD version :one',
                  ConditionExpression: 'available >= :q',
                  ExpressionAttributeValues: { ':q': line.quantity, ':one': 1 },
                },
              })),
            ],
          }),
        );
        return { outcome: 'RESERVED', items, alreadyReserved: false };
      } catch (error) {
        if (!isTransactionCanceled(error)) throw error;
      }
      // Cancelled: the order is already decided, a line is short, or a concurrent
      // transaction conflicted. Decide from consistent reads, not from the reasons.
      const reservation = await this.getReservation(orderId);
      if (reservation) return decidedReservation(reservation);
      const stock = new Map<string, number>();
      for (const item of await this.batchGetSkus(items.map((line) => line.sku))) {
        stock.set(String(item.sku), Number(item.available ?? 0));
      }
      const unavailable = findShortfalls(items, stock);
      if (unavailable.length > 0) {
        const rejected = await this.recordRejection(orderId, items, unavailable);
        if (rejected) return { outcome: 'OUT_OF_STOCK', unavailable, alreadyRejected: false };
        // A concurrent delivery decided first: its decision is the answer.
        const decided = await this.getReservation(orderId);
        if (decided) return decidedReservation(decided);
      }
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
        const now = new Date().toISOString();
        if (await this.decideOnce(orderId, { status: 'RELEASED', lines: [], releasedAt: now })) {
          return { outcome: 'NOTHING_RESERVED' };
        }
      } else if (reservation.status === 'REJECTED') {
        // Refused, so nothing to give back; the REJECTED item already blocks any later reservation.
        return { outcome: 'NOTHING_RESERVED' };
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
                    UpdateExpression: 'ADD available :q, version :one',
                    ExpressionAttributeValues: { ':q': line.quantity, ':one': 1 },
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

  /** An update of one SKU item, conditional; a refused condition answers the item as it is now. */
  private async conditionalSkuUpdate(
    sku: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<CatalogWriteResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: { pk: skuKey(sku) }, ReturnValues: 'ALL_NEW', ...update }),
      );
      return { ok: true, item: toCatalogItem(sku, Attributes ?? {}) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return { ok: false, reason: 'PRECONDITION_FAILED', current: await this.getItem(sku) };
    }
  }

  /** Records that the order was refused; false when the order was already decided. */
  private recordRejection(orderId: string, lines: OrderLine[], unavailable: Shortfall[]): Promise<boolean> {
    return this.decideOnce(orderId, { status: 'REJECTED', lines, unavailable, rejectedAt: new Date().toISOString() });
  }

  /**
   * Writes the order's reservation item with `decision` unless the order already has one
   * (first decision wins); false when it had.
   */
  private async decideOnce(orderId: string, decision: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: reservationKey(orderId), orderId, ...decision },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  private async getReservation(orderId: string): Promise<Reservation | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: reservationKey(orderId) }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const lines = (Item.lines ?? []) as OrderLine[];
    if (Item.status === 'REJECTED') {
      return { status: 'REJECTED', lines, unavailable: (Item.unavailable ?? []) as Shortfall[] };
    }
    return { status: Item.status as 'RESERVED' | 'RELEASED', lines };
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

/** The answer a reservation already decided gives to every later delivery. */
function decidedReservation(reservation: Reservation): ReserveResult {
  if (reservation.status === 'REJECTED') {
    return { outcome: 'OUT_OF_STOCK', unavailable: reservation.unavailable, alreadyRejected: true };
  }
  if (reservation.status === 'RELEASED' && reservation.lines.length === 0) return { outcome: 'VOIDED' };
  return { outcome: 'RESERVED', items: reservation.lines, alreadyReserved: true };
}

function toCatalogItem(sku: string, item: Record<string, unknown>): CatalogItem {
  return {
    sku,
    available: Number(item.available ?? 0),
    priceCents: Number(item.priceCents ?? 0),
    version: Number(item.version ?? 0),
  };
}

/** The condition of a write expecting `expected` (version 0 also matches an item without version). */
function versionCondition(expected: ExpectedVersion): { expression: string; values: Record<string, unknown> } {
  if (expected === 'ABSENT') return { expression: 'attribute_not_exists(pk)', values: {} };
  if (expected === 'EXISTS') return { expression: 'attribute_exists(pk)', values: {} };
  const expression =
    expected.version === 0
      ? 'attribute_exists(pk) AND (attribute_not_exists(version) OR version = :expectedVersion)'
      : 'version = :expectedVersion';
  return { expression, values: { ':expectedVersion': expected.version } };
}

function isTransactionCanceled(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'TransactionCanceledException' || name === 'TransactionConflictException';
}
