import { SESv2Client } from '@aws-sdk/client-sesv2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDbEmailLedger } from '../adapters/dynamodb-email-ledger';
import { emailSenderFromEnv } from '../adapters/email-sender-factory';
import { documentClient } from '../shared/aws-clients';
import { requiredEnv } from '../shared/config';
import { logger, tracer } from '../shared/powertools';
import { createStreamConsumer } from '../shared/stream-consumer';
import { OrderEmailService } from './order-email-service';

/**
 * One send is bounded (1 s connect + 3 s response, one attempt: a failed send releases the
 * claim and the record is retried by the mapping), so it always ends inside the 5 s claim lease.
 */
const SES_CLIENT_CONFIG = {
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 3_000 }),
};

const emails = new OrderEmailService(
  new DynamoDbEmailLedger(documentClient(), requiredEnv('LEDGER_TABLE')),
  emailSenderFromEnv({ log: logger, sesClient: () => tracer.captureAWSv3Client(new SESv2Client(SES_CLIENT_CONFIG)) }),
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
