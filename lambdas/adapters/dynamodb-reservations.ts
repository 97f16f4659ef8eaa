import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderLine } from '../contract/events';
import { findShortfalls, type Shortfall } from '../domain/inventory';
import { mergeLines } from '../domain/pricing';
import type { InventoryStore, ReleaseResult, ReserveResult } from '../ports/inventory';
import { isConditionalCheckFailed } from './dynamodb-errors';
import { InventoryTable, reservationKey, skuKey } from './dynamodb-inventory-table';

/**
 * Each order's hold on stock, in the `RESERVATION#<orderId>` items of the inventory table
 * (dynamodb-inventory-table.ts), moving the SKU items' `available` in the same transaction.
 *
 * Reserving is ONE TransactWriteItems (reserveTransaction): put the reservation
 * (attribute_not_exists) and decrement every SKU under `available >= :q`. Either all lines are
 * taken or none, stock never goes negative, and concurrent orders cannot oversell (DynamoDB
 * serialises transactions on the same items; a conflicting one is cancelled and retried here).
 * A refusal (a line short) is recorded too, as a REJECTED reservation (attribute_not_exists), so a
 * later delivery of the same reservation (replay, redrive, retry after a restock) gets the same
 * refusal and never takes stock for an order that was already cancelled.
 * Releasing is ONE transaction too (releaseTransaction): flip the reservation RESERVED -> RELEASED
 * (condition) and add each line back, so stock comes back exactly once.
 */
export class DynamoDbReservations extends InventoryTable implements InventoryStore {
  public async reserve(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult> {
    const items = mergeLines(lines);
    for (let attempt = 1; ; attempt++) {
      if (await this.committed(this.reserveTransaction(orderId, items))) {
        return { outcome: 'RESERVED', items, alreadyReserved: false };
      }
      // Cancelled: the order is already decided, a line is short, or a concurrent
      // transaction conflicted. Decide from consistent reads, not from the reasons.
      const decided = await this.decisionAfterCancel(orderId, items);
      if (decided) return decided;
      if (attempt >= this.maxAttempts) {
        throw new Error(`reservation of order ${orderId} kept conflicting after ${attempt} attempts`);
      }
      await this.backoff(attempt);
    }
  }

  public async release(orderId: string): Promise<ReleaseResult> {
    for (let attempt = 1; ; attempt++) {
      const released = await this.releaseOnce(orderId);
      if (released) return released;
      if (attempt >= this.maxAttempts) {
        throw new Error(`release of order ${orderId} kept conflicting after ${attempt} attempts`);
      }
      await this.backoff(attempt);
    }
  }

  /** What a cancelled reservation means: the order's decision, a refusal recorded now, or undefined (retry). */
  private async decisionAfterCancel(orderId: string, items: OrderLine[]): Promise<ReserveResult | undefined> {
    const reservation = await this.getReservation(orderId);
    if (reservation) return decidedReservation(reservation);
    const stock = new Map<string, number>();
    for (const item of await this.batchGetSkus(items.map((line) => line.sku))) {
      stock.set(String(item.sku), Number(item.available ?? 0));
    }
    const unavailable = findShortfalls(items, stock);
    if (unavailable.length === 0) return undefined; // a conflict: retry
    const rejectedAt = new Date().toISOString();
    if (await this.decideOnce(orderId, { status: 'REJECTED', lines: items, unavailable, rejectedAt })) {
      return { outcome: 'OUT_OF_STOCK', unavailable, alreadyRejected: false };
    }
    // A concurrent delivery decided first: its decision is the answer.
    const decided = await this.getReservation(orderId);
    return decided ? decidedReservation(decided) : undefined;
  }

  /** One attempt to release: the result, or undefined when a concurrent write got in between (retry). */
  private async releaseOnce(orderId: string): Promise<ReleaseResult | undefined> {
    const reservation = await this.getReservation(orderId);
    if (!reservation) {
      // Never reserved: leave a tombstone so a late RESERVE_INVENTORY cannot take stock.
      const tombstone = { status: 'RELEASED', lines: [], releasedAt: new Date().toISOString() };
      return (await this.decideOnce(orderId, tombstone)) ? { outcome: 'NOTHING_RESERVED' } : undefined;
    }
    switch (reservation.status) {
      case 'REJECTED': // refused, so nothing to give back; the REJECTED item already blocks any later reservation
        return { outcome: 'NOTHING_RESERVED' };
      case 'RELEASED':
        return reservation.lines.length === 0 ? { outcome: 'NOTHING_RESERVED' } : { outcome: 'ALREADY_RELEASED' };
      case 'RESERVED':
        return (await this.committed(this.releaseTransaction(orderId, reservation.lines)))
          ? { outcome: 'RELEASED', items: reservation.lines }
          : undefined;
    }
  }

  /** The reservation put (first decision only) and each line taken from stock, all or none. */
  private reserveTransaction(orderId: string, items: readonly OrderLine[]): TransactWriteCommand {
    return new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: { pk: reservationKey(orderId), orderId, status: 'RESERVED', lines: items, reservedAt: now() },
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
    });
  }

  /** The reservation flipped RESERVED -> RELEASED and each line given back, all or none. */
  private releaseTransaction(orderId: string, lines: readonly OrderLine[]): TransactWriteCommand {
    return new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: reservationKey(orderId) },
            UpdateExpression: 'SET #status = :released, releasedAt = :now',
            ConditionExpression: '#status = :reserved',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED', ':now': now() },
          },
        },
        ...lines.map((line) => ({
          Update: {
            TableName: this.tableName,
            Key: { pk: skuKey(line.sku) },
            UpdateExpression: 'ADD available :q, version :one',
            ExpressionAttributeValues: { ':q': line.quantity, ':one': 1 },
          },
        })),
      ],
    });
  }

  /** Sends a transaction: true when it committed, false when DynamoDB cancelled it. */
  private async committed(transaction: TransactWriteCommand): Promise<boolean> {
    try {
      await this.client.send(transaction);
      return true;
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      return false;
    }
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
}

type Reservation =
  | { readonly status: 'RESERVED' | 'RELEASED'; readonly lines: OrderLine[] }
  | { readonly status: 'REJECTED'; readonly lines: OrderLine[]; readonly unavailable: Shortfall[] };

/** The answer a reservation already decided gives to every later delivery. */
function decidedReservation(reservation: Reservation): ReserveResult {
  if (reservation.status === 'REJECTED') {
    return { outcome: 'OUT_OF_STOCK', unavailable: reservation.unavailable, alreadyRejected: true };
  }
  if (reservation.status === 'RELEASED' && reservation.lines.length === 0) return { outcome: 'VOIDED' };
  return { outcome: 'RESERVED', items: reservation.lines, alreadyReserved: true };
}

function isTransactionCanceled(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'TransactionCanceledException' || name === 'TransactionConflictException';
}

function now(): string {
  return new Date().toISOString();
}
