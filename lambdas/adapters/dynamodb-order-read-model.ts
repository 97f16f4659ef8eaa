import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderView } from '../domain/order-status';
import { ReadModelVersionConflictError, type OrderReadModelWriter } from '../ports/order-read-model';
import { isConditionalCheckFailed } from './dynamodb-errors';

/**
 * The order read model in DynamoDB (ORDERS_TABLE, partition key `orderId`): one item per
 * order holding the whole OrderView. Writes are optimistic: a put conditioned on the
 * version that was read, so two writers can never both apply a change on the same base.
 */
export class DynamoDbOrderReadModel implements OrderReadModelWriter {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async get(orderId: string): Promise<OrderView | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item ? (Item as OrderView) : undefined;
  }

  public async save(view: OrderView, expectedVersion: number | undefined): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: view,
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
      if (isConditionalCheckFailed(error)) {
        throw new ReadModelVersionConflictError(view.orderId, expectedVersion);
      }
      throw error;
    }
  }
}
