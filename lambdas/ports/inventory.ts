import type { OrderLine } from '../domain/events';
import type { Shortfall } from '../domain/inventory';

export type ReserveResult =
  /** Stock was taken for every line (now, or by an earlier delivery when `alreadyReserved`). */
  | { readonly outcome: 'RESERVED'; readonly items: OrderLine[]; readonly alreadyReserved: boolean }
  /** Nothing was taken: these lines are short. */
  | { readonly outcome: 'OUT_OF_STOCK'; readonly unavailable: Shortfall[] }
  /** The order was released before it reserved anything: nothing is taken, ever. */
  | { readonly outcome: 'VOIDED' };

export type ReleaseResult =
  /** This call gave the reserved stock back. */
  | { readonly outcome: 'RELEASED'; readonly items: OrderLine[] }
  /** An earlier call already gave it back. */
  | { readonly outcome: 'ALREADY_RELEASED' }
  /** The order never reserved anything; a later reservation for it will be refused. */
  | { readonly outcome: 'NOTHING_RESERVED' };

/** Stock reservations per order: all lines or none, each order at most once. */
export interface InventoryStore {
  reserve(orderId: string, lines: readonly OrderLine[]): Promise<ReserveResult>;
  release(orderId: string): Promise<ReleaseResult>;
}
