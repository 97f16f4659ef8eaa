import type { OrderEmail } from '../domain/order-email';
import type { EmailSender } from '../ports/email-sender';
import type { Log } from '../ports/log';
import { maskPersonalData } from '../runtime/masking';

/**
 * Sends nothing: logs that the email would have been sent. The default when no sender address is
 * configured. The recipient is masked and the body left out (it names the customer and their
 * address): logs are not the place for personal data. The local runtime's outbox keeps whole emails.
 */
export class LogEmailSender implements EmailSender {
  public constructor(private readonly log: Pick<Log, 'info'>) {}

  public async send(email: OrderEmail): Promise<{ messageId?: string }> {
    const { body, ...headers } = email;
    this.log.info('email (log-only sender, not delivered)', {
      email: maskPersonalData({ ...headers, bodyLength: body.length }),
    });
    return {};
  }
}
