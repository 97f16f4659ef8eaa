import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DueSaga, SagaState } from '../domain/order-saga';
import { type SagaDeadlines, type SagaRepository, SagaVersionConflictError } from '../ports/saga-repository';
import type { ItemReader } from './dynamodb-item-reader';
import { VersionedOrderItems } from './dynamodb-versioned-order-items';
import { SAGA_DEADLINE_INDEX } from './saga-deadline-index';

type SagaItem = SagaState & { readonly deadlineShard?: string };

/**
 * Saga state in DynamoDB (SAGA_TABLE): one item per order holding the whole SagaState
 * (phase, order details, journal of applied records with the records they caused),
 * written with optimistic locking, so of two concurrent decisions on the same base only
 * one lands; the other reloads and decides again. A saga with a deadline (not terminal)
 * also gets `deadlineShard`, which puts it in the sparse deadline index.
 */
export class DynamoDbSagaRepository implements SagaRepository {
  private readonly items: VersionedOrderItems<SagaItem>;

  /** `reader`: how saga items are read. @default one GetItem per read */
  public constructor(client: DynamoDBDocumentClient, tableName: string, reader?: ItemReader) {
    this.items = new VersionedOrderItems(
      client,
      tableName,
      (orderId, expected) => new SagaVersionConflictError(orderId, expected),
      reader,
    );
  }

  public async get(orderId: string): Promise<SagaState | undefined> {
    const item = await this.items.get(orderId);
    if (!item) return undefined;
    const { deadlineShard: _, ...state } = item;
    return state;
  }

  public save(state: SagaState, expectedVersion: number | undefined): Promise<void> {
    const item: SagaItem = state.deadlineAt === undefined ? state : { ...state, deadlineShard: shardOf(state.orderId) };
    return this.items.save(item, expectedVersion);
  }
}

/** The sweeper's view of the deadline index (see saga-deadline-index.ts). */
export class DynamoDbSagaDeadlines implements SagaDeadlines {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async findDue(now: string, limit: number): Promise<DueSaga[]> {
    const perShard = await Promise.all(
      Array.from({ length: SAGA_DEADLINE_INDEX.shards }, (_, shard) => this.queryShard(`${shard}`, now, limit)),
    );
    const due = perShard
      .flat()
      .sort((a, b) => a.deadlineAt.localeCompare(b.deadlineAt))
      .slice(0, limit);
    return this.withTraceIds(due);
  }

  /**
   * The sagas' trace ids, read from their items: due sagas are the stalled few, so reading them
   * costs less than projecting traceId into the index for every saga (and changing the
   * projection of a deployed index would mean replacing it). Best effort: a saga whose item
   * cannot be read now is reported without its trace id rather than not at all.
   */
  private async withTraceIds(due: DueSaga[]): Promise<DueSaga[]> {
    const traceIds = new Map<string, string>();
    for (let start = 0; start < due.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = due
        .slice(start, start + BATCH_GET_LIMIT)
        .map((saga) => ({ orderId: saga.orderId }));
      for (let attempt = 0; keys && keys.length > 0 && attempt < 3; attempt++) {
        const page: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ProjectionExpression: 'orderId, traceId' } },
          }),
        );
        for (const item of page.Responses?.[this.tableName] ?? []) {
          if (typeof item.traceId === 'string') traceIds.set(String(item.orderId), item.traceId);
        }
        keys = page.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return due.map((saga) => {
      const traceId = traceIds.get(saga.orderId);
      return traceId ? { ...saga, traceId } : saga;
    });
  }

  private async queryShard(shard: string, now: string, limit: number): Promise<DueSaga[]> {
    const due: DueSaga[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: SAGA_DEADLINE_INDEX.name,
          KeyConditionExpression: '#shard = :shard AND #deadline <= :now',
          ExpressionAttributeNames: {
            '#shard': SAGA_DEADLINE_INDEX.partitionKey,
            '#deadline': SAGA_DEADLINE_INDEX.sortKey,
          },
          ExpressionAttributeValues: { ':shard': shard, ':now': now },
          Limit: limit - due.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        due.push({
          orderId: String(item.orderId),
          correlationId: String(item.correlationId),
          version: Number(item.version),
          deadlineAt: String(item.deadlineAt),
          ...(typeof item.traceId === 'string' ? { traceId: item.traceId } : {}),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && due.length < limit);
    return due;
  }
}

/** Most keys one BatchGetItem takes. */
const BATCH_GET_LIMIT = 100;

/** Index partition of an order: a stable hash of its id modulo the shard count. */
export function shardOf(orderId: string): string {
  return String(createHash('sha256').update(orderId).digest().readUInt32BE(0) % SAGA_DEADLINE_INDEX.shards);
}
