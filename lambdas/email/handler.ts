import { DynamoDbEmailLedger } from '../adapters/dynamodb-email-ledger';
import { emailSenderFromEnv } from '../adapters/email-sender-factory';
import { sesClient } from '../adapters/ses-email-sender';
import { documentClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { logger } from '../runtime/powertools';
import { createEmailConsumer } from './consumer';

export const handler = createEmailConsumer({
  ledger: new DynamoDbEmailLedger(documentClient(), tableName('ledger')),
  sender: emailSenderFromEnv({ log: logger, sesClient }),
  log: logger,
});
