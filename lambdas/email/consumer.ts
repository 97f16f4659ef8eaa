import type { EmailLedger } from '../ports/email-ledger';
import type { EmailSender } from '../ports/email-sender';
import type { Log } from '../ports/log';
import { createStreamConsumer, type StreamConsumerHandler } from '../runtime/stream-consumer';
import { OrderEmailService } from './order-email-service';

export interface EmailConsumerDeps {
  /** Claims each email before it is sent, so a record that comes again sends nothing twice. */
  readonly ledger: EmailLedger;
  readonly sender: EmailSender;
  readonly log: Pick<Log, 'info' | 'warn'>;
}

/** Customer emails: a confirmation when an order completes, a notice when it is cancelled. */
export function createEmailConsumer(deps: EmailConsumerDeps): StreamConsumerHandler {
  const emails = new OrderEmailService(deps.ledger, deps.sender, deps.log);
  return createStreamConsumer({
    handlers: {
      ORDER_COMPLETED: async (event) => {
        await emails.onOrderCompleted(event);
      },
      ORDER_CANCELLED: async (event) => {
        await emails.onOrderCancelled(event);
      },
    },
  });
}
