import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { DynamoDbOutcomeLedger } from '../adapters/dynamodb-outcome-ledger';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { SimulatedPaymentGateway } from '../adapters/simulated-payment-gateway';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createPaymentConsumer } from './consumer';

/** The simulator is the only gateway today; a real provider is another PaymentGateway adapter. */
export const handler = createPaymentConsumer({
  gateway: new SimulatedPaymentGateway(),
  ledger: new DynamoDbOutcomeLedger(documentClient(), tableName('ledger'), new CoalescingItemReader(documentClient())),
  publisher: consumerEventPublisherFromEnv(),
  log: logger,
});
