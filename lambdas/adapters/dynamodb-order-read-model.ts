import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderView } from '../domain/order-status';
import { type OrderReadModelWriter, ReadModelVersionConflictError } from '../ports/order-read-model';
import type { ItemReader } from './dynamodb-item-reader';
import { VersionedOrderItems } from './dynamodb-versioned-order-items';

/**
 * The order read model in DynamoDB (ORDERS_TABLE, partition key `orderId`): one item per
 * order holding the whole OrderView, written with optimistic locking.
 */
export class DynamoDbOrderReadModel implements OrderReadModelWriter {
  private readonly items: VersionedOrderItems<OrderView>;

  /** `reader`: how views are read. @default one GetItem per read */
  public constructor(client: DynamoDBDocumentClient, tableName: string, reader?: ItemReader) {
    this.items = new VersionedOrderItems(
      client,
      tableName,
      (orderId, expected) => new ReadModelVersionConflictError(orderId, expected),
      reader,
    );
  }

  public get(orderId: string): Promise<OrderView | undefined> {
    return this.items.get(orderId);
  }

  public save(view: OrderView, expectedVersion: number | undefined): Promise<void> {
    return this.items.save(view, expectedVersion);
  }
}
