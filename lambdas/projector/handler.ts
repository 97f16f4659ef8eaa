import { PROJECTED_EVENT_TYPES } from '../domain/order-projection';
import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { DynamoDbOrderReadModel } from '../adapters/dynamodb-order-read-model';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createStreamConsumer, handleAll } from '../runtime/stream-consumer';
import { OrderProjector } from './order-projector';

const projector = new OrderProjector(
  new DynamoDbOrderReadModel(documentClient(), tableName('orders'), new CoalescingItemReader(documentClient())),
  logger,
);

/** The read model behind GET /orders/{orderId}: one status per lifecycle event. */
export const handler = createStreamConsumer({
  handlers: handleAll(PROJECTED_EVENT_TYPES, async (event) => {
    await projector.handle(event);
  }),
});
