import { randomUUID } from 'node:crypto';
import type { EventPayload } from '../domain/events';
import { cancellationEmail, confirmationEmail, type OrderEmail } from '../domain/order-email';
import type { EmailLedger } from '../ports/email-ledger';
import type { EmailSender } from '../ports/email-sender';
import type { EventEnvelope } from '../shared/envelope';

export interface EmailServiceLog {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Another attempt is sending this email right now: fail the record, it comes again. */
export class EmailInProgressError extends Error {
  public readonly name = 'EmailInProgressError';
}

export interface OrderEmailServiceOptions {
  /** How long a claim protects a send in progress. Must exceed one send. @default 10 s */
  readonly leaseMs?: number;
  /** Longest wait for someone else's lease to expire before failing the record. @default 12 s */
  readonly maxWaitMs?: number;
  readonly nowMs?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly newToken?: () => string;
}

/**
 * Sends the confirmation (ORDER_COMPLETED) and the cancellation notice (ORDER_CANCELLED),
 * each at most once per order in normal operation, and never lost.
 *
 * SEND/RECORD ORDER. No provider lets an email be sent and recorded atomically, so:
 *   1. CLAIM the ledger entry (conditional put: absent, or SENDING under an expired lease),
 *   2. SEND,
 *   3. MARK it SENT (conditional on still holding the claim).
 * - Entry SENT: done, nothing is sent again (replays, duplicates, redeliveries).
 * - The send throws: the claim is released and the record fails; the retry claims and sends.
 * - The function dies between 2 and 3: the entry stays SENDING until its lease expires;
 *   the redelivered record waits for the lease, takes it over and sends AGAIN. This
 *   window (milliseconds wide) is the only path to a duplicate, chosen over the
 *   alternative (record first, send after) whose crash window LOSES the email. The
 *   local outbox adapter is idempotent even there (same file name per order and kind).
 * - Two attempts at once (only with a duplicate record processed concurrently): the
 *   conditional claim lets one through; the other waits for the lease or fails and retries.
 */
export class OrderEmailService {
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;
  private readonly nowMs: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly newToken: () => string;

  public constructor(
    private readonly ledger: EmailLedger,
    private readonly sender: EmailSender,
    private readonly log: EmailServiceLog,
    options: OrderEmailServiceOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.maxWaitMs = options.maxWaitMs ?? 12_000;
    this.nowMs = options.nowMs ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.newToken = options.newToken ?? randomUUID;
  }

  public async onOrderCompleted(
    event: EventEnvelope<EventPayload<'ORDER_COMPLETED'>>,
  ): Promise<'sent' | 'already-sent'> {
    return this.sendOnce(confirmationEmail(event.orderId, event.payload));
  }

  public async onOrderCancelled(
    event: EventEnvelope<EventPayload<'ORDER_CANCELLED'>>,
  ): Promise<'sent' | 'already-sent'> {
    return this.sendOnce(cancellationEmail(event.orderId, event.payload));
  }

  private async sendOnce(email: OrderEmail): Promise<'sent' | 'already-sent'> {
    const token = this.newToken();
    const started = this.nowMs();
    for (;;) {
      const now = this.nowMs();
      const claim = await this.ledger.claim(email.orderId, email.kind, token, now, this.leaseMs);
      if (claim.outcome === 'already-sent') {
        this.log.info('email already sent: not sending again', { kind: email.kind, sentAt: claim.sentAt });
        return 'already-sent';
      }
      if (claim.outcome === 'claimed') break;
      const waitMs = Math.max(0, claim.leaseExpiresAt - now) + 50;
      if (now + waitMs - started > this.maxWaitMs) {
        throw new EmailInProgressError(
          `the ${email.kind} email of order ${email.orderId} is being sent by another attempt`,
        );
      }
      this.log.info('email claimed by another attempt: waiting for its lease', { kind: email.kind, waitMs });
      await this.sleep(waitMs);
    }

    let messageId: string | undefined;
    try {
      ({ messageId } = await this.sender.send(email));
    } catch (error) {
      await this.ledger.release(email.orderId, email.kind, token);
      throw error;
    }
    const marked = await this.ledger.markSent(email.orderId, email.kind, token, {
      sentAt: new Date(this.nowMs()).toISOString(),
      ...(messageId ? { messageId } : {}),
    });
    if (!marked)
      this.log.warn('email sent, but the claim had expired and was taken over: it may be sent twice', {
        kind: email.kind,
      });
    this.log.info('email sent', { kind: email.kind, messageId });
    return 'sent';
  }
}
