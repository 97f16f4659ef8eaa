import { DynamoDbSagaDeadlines } from '../adapters/dynamodb-saga-repository';
import { eventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger, metrics } from '../runtime/powertools';
import { createSweeper } from './scheduled';

export const handler = createSweeper({
  deadlines: new DynamoDbSagaDeadlines(documentClient(), tableName('saga')),
  publisher: eventPublisherFromEnv(),
  logger,
  metrics,
});
