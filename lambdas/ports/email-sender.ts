import type { OrderEmail } from '../domain/order-email';

/**
 * Delivers one email (SES v2, a local outbox folder, or the log). Like the payment gateway and
 * the carrier, a sender should treat (orderId, kind) as an idempotency key where its provider
 * allows: then a crash between sending and the email ledger recording it cannot send twice. The
 * outbox does; SES v2 has no idempotency key, so with SES that window can still send twice.
 */
export interface EmailSender {
  /** Sends `email`; resolves with the provider's message id when it has one. Throws when not sent. */
  send(email: OrderEmail): Promise<{ readonly messageId?: string }>;
}
