/**
 * The sparse global secondary index of the saga table that the deadline sweeper queries,
 * shared by the stack (lib/orderstream-stack.ts declares it) and the saga adapter.
 *
 * An item is in the index only while it has both key attributes, i.e. while the saga is not
 * terminal (`deadlineAt` is dropped on COMPLETED/CANCELLED). The partition key spreads the
 * index over SHARDS partitions (hash of orderId), so its write rate is not capped by one
 * partition; the sweeper queries each shard for `deadlineAt <= now`.
 */
export const SAGA_DEADLINE_INDEX = {
  name: 'DeadlineIndex',
  partitionKey: 'deadlineShard',
  sortKey: 'deadlineAt',
  /** Attributes copied into the index besides the keys (what the sweeper needs). */
  projected: ['version', 'correlationId'],
  shards: 8,
} as const;
