import { DynamoDbReservations } from '../adapters/dynamodb-reservations';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createInventoryConsumer } from './consumer';

export const handler = createInventoryConsumer({
  store: new DynamoDbReservations(documentClient(), { tableName: tableName('inventory') }),
  publisher: consumerEventPublisherFromEnv(),
  log: logger,
});
