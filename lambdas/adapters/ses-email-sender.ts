import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { OrderEmail } from '../domain/order-email';
import type { EmailSender } from '../ports/email-sender';
import { boundedRequestHandler } from '../runtime/aws-clients';
import { tracer } from '../runtime/powertools';

let ses: SESv2Client | undefined;

/**
 * The email service's SES v2 client, traced in X-Ray like the other clients (runtime/aws-clients.ts;
 * kept here so only the email function loads the SES SDK). One send is bounded (1 s connect + 3 s
 * response, one attempt: a failed send releases the claim and the mapping retries the record), so
 * it always ends inside the email ledger's 5 s claim lease.
 */
export function sesClient(): SESv2Client {
  ses ??= tracer.captureAWSv3Client(new SESv2Client({ requestHandler: boundedRequestHandler(3_000), maxAttempts: 1 }));
  return ses;
}

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
