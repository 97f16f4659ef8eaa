import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { DynamoDbOrderReadModel } from '../adapters/dynamodb-order-read-model';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createProjectorConsumer } from './consumer';

export const handler = createProjectorConsumer({
  readModel: new DynamoDbOrderReadModel(
    documentClient(),
    tableName('orders'),
    new CoalescingItemReader(documentClient()),
  ),
  log: logger,
});
