import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../contract/envelope';
import type { EventPayload } from '../contract/events';
import { cancellationEmail, confirmationEmail, type OrderEmail } from '../domain/order-email';
import type { EmailLedger } from '../ports/email-ledger';
import type { EmailSender } from '../ports/email-sender';
import type { Log } from '../ports/log';

/** Another attempt is sending this email right now: fail the record, it comes again. */
export class EmailInProgressError extends Error {
  public readonly name = 'EmailInProgressError';
}

export interface OrderEmailServiceOptions {
  /**
   * How long a claim protects a send in progress. Must exceed one send (the SES client is
   * bounded to 1 s connect + 3 s response, one attempt: lambdas/email/handler.ts). @default 5 s
   */
  readonly leaseMs?: number;
  /**
   * Longest wait for someone else's claim before failing the record. Longer than the lease, so
   * the redelivery of a record whose sender died takes the claim over within one invocation
   * instead of spending the mapping's retries. @default 6 s
   */
  readonly maxWaitMs?: number;
  /** Poll interval while another attempt holds the claim (it usually finishes in milliseconds). @default 200 ms */
  readonly pollMs?: number;
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
 * - The function dies before 2 (claim taken, nothing sent): the entry stays SENDING until its
 *   lease (5 s) expires; the redelivered record waits for it, takes it over and sends once.
 * - The function dies between 2 and 3: the same takeover sends AGAIN. This
 *   window (milliseconds wide) is the only path to a duplicate, chosen over the
 *   alternative (record first, send after) whose crash window LOSES the email. The
 *   local outbox adapter is idempotent even there (same file name per order and kind).
 * - Two attempts at once (only with a duplicate record processed concurrently): the
 *   conditional claim lets one through; the other waits for the lease or fails and retries.
 */
export class OrderEmailService {
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly nowMs: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly newToken: () => string;

  public constructor(
    private readonly ledger: EmailLedger,
    private readonly sender: EmailSender,
    private readonly log: Pick<Log, 'info' | 'warn'>,
    options: OrderEmailServiceOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 5_000;
    this.maxWaitMs = options.maxWaitMs ?? 6_000;
    this.pollMs = options.pollMs ?? 200;
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
      const waitMs = Math.min(Math.max(0, claim.leaseExpiresAt - now) + 50, this.pollMs);
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
