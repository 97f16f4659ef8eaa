import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { ENV } from '../contract/environment';
import type { EmailSender } from '../ports/email-sender';
import type { Log } from '../ports/log';
import { optionalEnv } from '../runtime/config';
import { LogEmailSender } from './log-email-sender';
import { OutboxEmailSender } from './outbox-email-sender';
import { SesEmailSender } from './ses-email-sender';

export interface EmailSenderConfig {
  /** EMAIL_OUTBOX_DIR: write one JSON file per email there (set by the local runtime only). */
  readonly outboxDir?: string;
  /** EMAIL_SENDER: a verified SES sender address (set at deploy time). */
  readonly fromAddress?: string;
}

/**
 * The one place the email sender is chosen, by configuration:
 *   EMAIL_OUTBOX_DIR set -> OutboxEmailSender (local runtime; wins, so a template that sets
 *                           EMAIL_SENDER never makes a local run call real SES)
 *   else EMAIL_SENDER set -> SesEmailSender (SES v2)
 *   else                  -> LogEmailSender
 */
export function createEmailSender(
  config: EmailSenderConfig,
  deps: { readonly log: Pick<Log, 'info'>; readonly sesClient: () => SESv2Client },
): EmailSender {
  if (config.outboxDir) return new OutboxEmailSender(config.outboxDir);
  if (config.fromAddress) return new SesEmailSender(deps.sesClient(), config.fromAddress);
  return new LogEmailSender(deps.log);
}

export function emailSenderFromEnv(deps: {
  readonly log: Pick<Log, 'info'>;
  readonly sesClient: () => SESv2Client;
}): EmailSender {
  return createEmailSender(
    { outboxDir: optionalEnv(ENV.emailOutboxDir), fromAddress: optionalEnv(ENV.emailSender) },
    deps,
  );
}
