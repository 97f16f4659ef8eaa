import { DynamoDbSagaRepository } from '../adapters/dynamodb-saga-repository';
import { eventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient } from '../shared/aws-clients';
import { requiredEnv } from '../shared/config';
import type { EventEnvelope } from '../shared/envelope';
import { logger, metrics } from '../shared/powertools';
import { createStreamConsumer } from '../shared/stream-consumer';
import { OrderSagaService } from './order-saga-service';
import { sagaMetrics } from './saga-metrics';

const saga = new OrderSagaService(
  new DynamoDbSagaRepository(documentClient(), requiredEnv('SAGA_TABLE')),
  eventPublisherFromEnv(),
  logger,
  { onTransition: sagaMetrics(metrics) },
);

const apply = async (event: EventEnvelope): Promise<void> => {
  await saga.handle(event);
};

/** The orchestrator: consumes ORDER_CREATED, customer cancels and every service outcome. */
export const handler = createStreamConsumer({
  handlers: {
    ORDER_CREATED: apply,
    ORDER_CANCEL_REQUESTED: apply,
    INVENTORY_RESERVED: apply,
    INVENTORY_RESERVATION_FAILED: apply,
    INVENTORY_RELEASED: apply,
    PAYMENT_PROCESSED: apply,
    PAYMENT_DECLINED: apply,
    PAYMENT_REFUNDED: apply,
    ORDER_SHIPPED: apply,
    SHIPPING_FAILED: apply,
  },
});
