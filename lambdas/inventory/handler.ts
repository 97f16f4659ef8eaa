import { DynamoDbInventory } from '../adapters/dynamodb-inventory';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createStreamConsumer } from '../runtime/stream-consumer';
import { InventoryService } from './inventory-service';

const inventory = new InventoryService(
  new DynamoDbInventory(documentClient(), { tableName: tableName('inventory') }),
  consumerEventPublisherFromEnv(),
  logger,
);

export const handler = createStreamConsumer({
  handlers: {
    RESERVE_INVENTORY: (event) => inventory.reserve(event),
    RELEASE_INVENTORY: (event) => inventory.release(event),
  },
});
