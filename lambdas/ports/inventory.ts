import type { OrderLine } from '../contract/events';
import type { Shortfall } from '../domain/inventory';

export type ReserveResult =
  /** Stock was taken for every line (now, or by an earlier delivery when `alreadyReserved`). */
  | { readonly outcome: 'RESERVED'; readonly items: OrderLine[]; readonly alreadyReserved: boolean }
  /**
   * Nothing was taken: these lines were short. The refusal is recorded, so every later delivery
   * of the order's reservation gets this same answer (`alreadyRejected`), whatever stock is then.
   */
  | { readonly outcome: 'OUT_OF_STOCK'; readonly unavailable: Shortfall[]; readonly alreadyRejected: boolean }
  /** The order was released before it reserved anything: nothing is taken, ever. */
  | { readonly outcome: 'VOIDED' };

export type ReleaseResult =
  /** This call gave the reserved stock back. */
  | { readonly outcome: 'RELEASED'; readonly items: OrderLine[] }
  /** An earlier call already gave it back. */
  | { readonly outcome: 'ALREADY_RELEASED' }
  /** The order never reserved anything (or was refused); a later reservation for it will be refused. */
  | { readonly outcome: 'NOTHING_RESERVED' };

/**
 * Stock reservations per order: all lines or none, each order decided at most once. The
 * decision (reserved, refused, released) is one item per order, the whole exactly-once guard of
 * the inventory service: redeliveries, concurrent or after a crash, read it back.
 */
export interface InventoryStore {
  reserve(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult>;
  release(orderId: string): Promise<ReleaseResult>;
}
