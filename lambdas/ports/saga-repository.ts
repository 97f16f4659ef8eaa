import type { DueSaga, SagaState } from '../domain/order-saga';

/** Saga state per order (SAGA_TABLE, partition key `orderId`), with optimistic locking. */
export interface SagaRepository {
  /** The saga of one order (strongly consistent read), or undefined when none exists. */
  get(orderId: string): Promise<SagaState | undefined>;
  /**
   * Writes `state` if the stored saga still has `expectedVersion` (undefined = no saga
   * may exist yet). Throws `SagaVersionConflictError` otherwise.
   */
  save(state: SagaState, expectedVersion: number | undefined): Promise<void>;
}

/** The sagas whose step deadline has passed (the saga table's sparse deadline index). */
export interface SagaDeadlines {
  /**
   * Non-terminal sagas with `deadlineAt <= now`, earliest first per index partition, at most
   * `limit`. Eventually consistent: a saga may show an older version (the saga ignores it).
   */
  findDue(now: string, limit: number): Promise<DueSaga[]>;
}

export class SagaVersionConflictError extends Error {
  public readonly name = 'SagaVersionConflictError';
  public constructor(
    public readonly orderId: string,
    public readonly expectedVersion: number | undefined,
  ) {
    super(`saga of order ${orderId} was modified concurrently (expected version ${expectedVersion ?? 'none'})`);
  }
}
