import type { OrderEmail } from '../domain/order-email';

/** Delivers one email (SES v2, a local outbox folder, or the log). */
export interface EmailSender {
  /** Sends `email`; resolves with the provider's message id when it has one. Throws when not sent. */
  send(email: OrderEmail): Promise<{ readonly messageId?: string }>;
}
