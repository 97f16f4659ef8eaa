import { DynamoDbOutcomeLedger } from '../adapters/dynamodb-outcome-ledger';
import { consumerEventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { CoalescingItemReader } from '../adapters/dynamodb-coalescing-item-reader';
import { SimulatedPaymentGateway } from '../adapters/simulated-payment-gateway';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createStreamConsumer } from '../runtime/stream-consumer';
import { PaymentService } from './payment-service';

/** The simulator is the only gateway today; a real provider is another PaymentGateway adapter. */
const payments = new PaymentService(
  new SimulatedPaymentGateway(),
  new DynamoDbOutcomeLedger(documentClient(), tableName('ledger'), new CoalescingItemReader(documentClient())),
  consumerEventPublisherFromEnv(),
  logger,
);

export const handler = createStreamConsumer({
  handlers: {
    PROCESS_PAYMENT: (event) => payments.processPayment(event),
    REFUND_PAYMENT: (event) => payments.refundPayment(event),
  },
});
