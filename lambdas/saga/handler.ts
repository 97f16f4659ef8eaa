import { DEFAULT_SAGA_DEADLINE_POLICY, SAGA_INPUT_TYPES, type SagaDeadlinePolicy } from '../domain/order-saga';
import { DynamoDbSagaRepository } from '../adapters/dynamodb-saga-repository';
import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient } from '../runtime/aws-clients';
import { ENV } from '../contract/environment';
import { SAGA_MAX_REDRIVES, SAGA_STEP_TIMEOUT_SECONDS } from '../contract/limits';
import { integerEnv, tableName } from '../runtime/config';
import { logger, metrics } from '../runtime/powertools';
import { createStreamConsumer, handleAll } from '../runtime/stream-consumer';
import { OrderSagaService } from './order-saga-service';
import { sagaMetrics } from './saga-metrics';

/** Step deadlines from the stack (props sagaStepTimeout, sagaMaxRedrives). */
const deadlinePolicy: SagaDeadlinePolicy = {
  stepTimeoutSeconds: integerEnv(
    ENV.sagaStepTimeoutSeconds,
    DEFAULT_SAGA_DEADLINE_POLICY.stepTimeoutSeconds,
    SAGA_STEP_TIMEOUT_SECONDS,
  ),
  maxRedrives: integerEnv(ENV.sagaMaxRedrives, DEFAULT_SAGA_DEADLINE_POLICY.maxRedrives, SAGA_MAX_REDRIVES),
};

const saga = new OrderSagaService(
  new DynamoDbSagaRepository(documentClient(), tableName('saga'), new CoalescingItemReader(documentClient())),
  consumerEventPublisherFromEnv(),
  logger,
  { onTransition: sagaMetrics(metrics, deadlinePolicy), deadlinePolicy },
);

/**
 * The orchestrator: consumes ORDER_CREATED, customer cancels, every service outcome and the
 * sweeper's SAGA_STEP_TIMED_OUT. Its exactly-once guard is the versioned journal of the saga item.
 */
export const handler = createStreamConsumer({
  handlers: handleAll(SAGA_INPUT_TYPES, async (event) => {
    await saga.handle(event);
  }),
});
