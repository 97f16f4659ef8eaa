import { SAGA_INPUT_TYPES } from '../domain/order-saga';
import { DynamoDbSagaRepository } from '../adapters/dynamodb-saga-repository';
import { eventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient } from '../shared/aws-clients';
import { requiredEnv } from '../shared/config';
import { logger, metrics } from '../shared/powertools';
import { createStreamConsumer, handleAll } from '../shared/stream-consumer';
import { OrderSagaService } from './order-saga-service';
import { sagaMetrics } from './saga-metrics';

const saga = new OrderSagaService(
  new DynamoDbSagaRepository(documentClient(), requiredEnv('SAGA_TABLE')),
  eventPublisherFromEnv(),
  logger,
  { onTransition: sagaMetrics(metrics) },
);

/** The orchestrator: consumes ORDER_CREATED, customer cancels and every service outcome. */
export const handler = createStreamConsumer({
  handlers: handleAll(SAGA_INPUT_TYPES, async (event) => {
    await saga.handle(event);
  }),
});
