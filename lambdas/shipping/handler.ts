import { DynamoDbOutcomeLedger } from '../adapters/dynamodb-outcome-ledger';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { SimulatedShippingProvider } from '../adapters/simulated-shipping-provider';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createStreamConsumer } from '../runtime/stream-consumer';
import { ShippingService } from './shipping-service';

/** The simulator is the only carrier today; a real one is another ShippingProvider adapter. */
const shipping = new ShippingService(
  new SimulatedShippingProvider(),
  new DynamoDbOutcomeLedger(documentClient(), tableName('ledger'), new CoalescingItemReader(documentClient())),
  consumerEventPublisherFromEnv(),
  logger,
);

export const handler = createStreamConsumer({
  handlers: {
    SHIP_ORDER: (event) => shipping.shipOrder(event),
  },
});
