import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { DynamoDbOutcomeLedger } from '../adapters/dynamodb-outcome-ledger';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { SimulatedShippingProvider } from '../adapters/simulated-shipping-provider';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createShippingConsumer } from './consumer';

/** The simulator is the only carrier today; a real one is another ShippingProvider adapter. */
export const handler = createShippingConsumer({
  carrier: new SimulatedShippingProvider(),
  ledger: new DynamoDbOutcomeLedger(documentClient(), tableName('ledger'), new CoalescingItemReader(documentClient())),
  publisher: consumerEventPublisherFromEnv(),
  log: logger,
});
