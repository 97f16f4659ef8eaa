import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { OrderEmail } from '../domain/order-email';
import type { EmailSender } from '../ports/email-sender';

/** Sends through Amazon SES v2 from a verified sender address (EMAIL_SENDER). */
export class SesEmailSender implements EmailSender {
  public constructor(
    private readonly client: SESv2Client,
    private readonly fromAddress: string,
  ) {}

  public async send(email: OrderEmail): Promise<{ messageId?: string }> {
    const { MessageId } = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.fromAddress,
        Destination: { ToAddresses: [email.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.body, Charset: 'UTF-8' } },
          },
        },
        EmailTags: [{ Name: 'kind', Value: email.kind }],
      }),
    );
    return MessageId ? { messageId: MessageId } : {};
  }
}
