import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SagaState } from '../domain/order-saga';
import { SagaVersionConflictError, type SagaRepository } from '../ports/saga-repository';
import { VersionedOrderItems } from './dynamodb-versioned-order-items';

/**
 * Saga state in DynamoDB (SAGA_TABLE): one item per order holding the whole SagaState
 * (phase, order details, journal of applied records with the records they caused),
 * written with optimistic locking, so of two concurrent decisions on the same base only
 * one lands; the other reloads and decides again.
 */
export class DynamoDbSagaRepository implements SagaRepository {
  private readonly items: VersionedOrderItems<SagaState>;

  public constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.items = new VersionedOrderItems(
      client,
      tableName,
      (orderId, expected) => new SagaVersionConflictError(orderId, expected),
    );
  }

  public get(orderId: string): Promise<SagaState | undefined> {
    return this.items.get(orderId);
  }

  public save(state: SagaState, expectedVersion: number | undefined): Promise<void> {
    return this.items.save(state, expectedVersion);
  }
}
