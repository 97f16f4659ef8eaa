import { DynamoDbCatalog } from '../adapters/dynamodb-catalog';
import { DynamoDbOrderReadModel } from '../adapters/dynamodb-order-read-model';
import { eventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient, dynamoDbClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger, tracer } from '../runtime/powertools';
import { createApiHandler } from './function';
import { powertoolsIdempotency } from './idempotency';

export const handler = createApiHandler({
  catalog: new DynamoDbCatalog(documentClient(), { tableName: tableName('inventory') }),
  orders: new DynamoDbOrderReadModel(documentClient(), tableName('orders')),
  publisher: eventPublisherFromEnv(),
  idempotency: powertoolsIdempotency({ tableName: tableName('idempotency'), client: dynamoDbClient() }),
  logger,
  tracer,
});
