import { DynamoDbOrderReadModel } from '../adapters/dynamodb-order-read-model';
import { documentClient } from '../shared/aws-clients';
import { requiredEnv } from '../shared/config';
import type { EventEnvelope } from '../shared/envelope';
import { logger } from '../shared/powertools';
import { createStreamConsumer } from '../shared/stream-consumer';
import { OrderProjector } from './order-projector';

const projector = new OrderProjector(new DynamoDbOrderReadModel(documentClient(), requiredEnv('ORDERS_TABLE')), logger);

const project = async (event: EventEnvelope): Promise<void> => {
  await projector.handle(event);
};

/** The read model behind GET /orders/{orderId}: one status per lifecycle event. */
export const handler = createStreamConsumer({
  handlers: {
    ORDER_CREATED: project,
    INVENTORY_RESERVED: project,
    PAYMENT_PROCESSED: project,
    ORDER_SHIPPED: project,
    ORDER_COMPLETED: project,
    ORDER_CANCELLED: project,
  },
});
