import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './dynamodb-errors';
import { DirectItemReader, type ItemReader } from './dynamodb-item-reader';

/**
 * One whole item per order (partition key `orderId`) with optimistic locking on its
 * `version` attribute: a put conditioned on the version that was read (or on the item not
 * existing yet), so of two writers deciding on the same base only one lands.
 * Shared by the saga repository and the order read model.
 */
export class VersionedOrderItems<T extends { readonly orderId: string }> {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The port's conflict error, thrown when the condition fails. */
    private readonly conflictError: (orderId: string, expectedVersion: number | undefined) => Error,
    /** How items are read (strongly consistent). @default one GetItem per read */
    private readonly reader: ItemReader = new DirectItemReader(client),
  ) {}

  public async get(orderId: string): Promise<T | undefined> {
    return (await this.reader.get(this.tableName, { orderId })) as T | undefined;
  }

  public async save(item: T, expectedVersion: number | undefined): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
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
      if (isConditionalCheckFailed(error)) throw this.conflictError(item.orderId, expectedVersion);
      throw error;
    }
  }
}
