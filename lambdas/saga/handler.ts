import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { DynamoDbSagaRepository } from '../adapters/dynamodb-saga-repository';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { ENV } from '../contract/environment';
import { SAGA_MAX_REDRIVES, SAGA_STEP_TIMEOUT_SECONDS } from '../contract/limits';
import { DEFAULT_SAGA_DEADLINE_POLICY } from '../domain/order-saga';
import { documentClient } from '../runtime/aws-clients';
import { integerEnv, tableName } from '../runtime/config';
import { logger, metrics } from '../runtime/powertools';
import { createSagaConsumer } from './consumer';

export const handler = createSagaConsumer({
  repository: new DynamoDbSagaRepository(
    documentClient(),
    tableName('saga'),
    new CoalescingItemReader(documentClient()),
  ),
  publisher: consumerEventPublisherFromEnv(),
  log: logger,
  metrics,
  deadlinePolicy: {
    stepTimeoutSeconds: integerEnv(
      ENV.sagaStepTimeoutSeconds,
      DEFAULT_SAGA_DEADLINE_POLICY.stepTimeoutSeconds,
      SAGA_STEP_TIMEOUT_SECONDS,
    ),
    maxRedrives: integerEnv(ENV.sagaMaxRedrives, DEFAULT_SAGA_DEADLINE_POLICY.maxRedrives, SAGA_MAX_REDRIVES),
  },
});
