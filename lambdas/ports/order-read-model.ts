import type { OrderView } from '../domain/order-status';

/** Reads the order read model (ORDERS_TABLE). Used by the API (GET, cancel checks). */
export interface OrderReadModel {
  /** The view of one order, or undefined when the projector has not seen it (yet). */
  get(orderId: string): Promise<OrderView | undefined>;
}

/** What the projector needs on top of reads: versioned (optimistic) writes. */
export interface OrderReadModelWriter extends OrderReadModel {
  /**
   * Writes `view` if the stored item still has `expectedVersion` (undefined = the item
   * must not exist yet). Throws `ReadModelVersionConflictError` otherwise.
   */
  save(view: OrderView, expectedVersion: number | undefined): Promise<void>;
}

export class ReadModelVersionConflictError extends Error {
  public readonly name = 'ReadModelVersionConflictError';
  public constructor(
    public readonly orderId: string,
    public readonly expectedVersion: number | undefined,
  ) {
    super(`order view ${orderId} was modified concurrently (expected version ${expectedVersion ?? 'none'})`);
  }
}
