import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SAGA_DEADLINE_INDEX } from '../../lambdas/adapters/saga-deadline-index';

/** Creates the saga table as the stack declares it: key `orderId` and the sparse deadline index. */
export async function createSagaTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: SAGA_DEADLINE_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: SAGA_DEADLINE_INDEX.sortKey, AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: SAGA_DEADLINE_INDEX.name,
          KeySchema: [
            { AttributeName: SAGA_DEADLINE_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: SAGA_DEADLINE_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...SAGA_DEADLINE_INDEX.projected] },
        },
      ],
    }),
  );
}
