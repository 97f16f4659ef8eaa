import { DynamoDbEmailLedger } from '../adapters/dynamodb-email-ledger';
import { emailSenderFromEnv } from '../adapters/email-sender-factory';
import { sesClient } from '../adapters/ses-email-sender';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createStreamConsumer } from '../runtime/stream-consumer';
import { OrderEmailService } from './order-email-service';

const emails = new OrderEmailService(
  new DynamoDbEmailLedger(documentClient(), tableName('ledger')),
  emailSenderFromEnv({ log: logger, sesClient }),
  logger,
);

/** Customer emails: a confirmation when an order completes, a notice when it is cancelled. */
export const handler = createStreamConsumer({
  handlers: {
    ORDER_COMPLETED: async (event) => {
      await emails.onOrderCompleted(event);
    },
    ORDER_CANCELLED: async (event) => {
      await emails.onOrderCancelled(event);
    },
  },
});
