import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SagaState } from '../domain/order-saga';
import { SagaVersionConflictError, type SagaRepository } from '../ports/saga-repository';
import { isConditionalCheckFailed } from './dynamodb-errors';

/**
 * Saga state in DynamoDB: one item per order holding the whole SagaState (phase, order
 * details, journal of applied records with the records they caused). Every write is a
 * put conditioned on the version read (or on the item not existing), so of two
 * concurrent decisions on the same base only one lands; the other reloads and decides again.
 */
export class DynamoDbSagaRepository implements SagaRepository {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async get(orderId: string): Promise<SagaState | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item ? (Item as SagaState) : undefined;
  }

  public async save(state: SagaState, expectedVersion: number | undefined): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: state,
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(orderId)' }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new SagaVersionConflictError(state.orderId, expectedVersion);
      throw error;
    }
  }
}
