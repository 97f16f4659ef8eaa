import type { OrderEmail } from '../domain/order-email';
import type { EmailSender } from '../ports/email-sender';
import type { Log } from '../ports/log';

/** Sends nothing: logs the email. The default when no sender address is configured. */
export class LogEmailSender implements EmailSender {
  public constructor(private readonly log: Pick<Log, 'info'>) {}

  public async send(email: OrderEmail): Promise<{ messageId?: string }> {
    this.log.info('email (log-only sender, not delivered)', { email: { ...email } });
    return {};
  }
}
