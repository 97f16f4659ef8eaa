import type { OrderEmail, OrderEmailKind } from '../../lambdas/domain/order-email';
import type { EmailClaim, EmailLedger } from '../../lambdas/ports/email-ledger';
import type { EmailSender } from '../../lambdas/ports/email-sender';

interface Entry {
  status: 'SENDING' | 'SENT';
  claimToken: string;
  leaseExpiresAt?: number;
  sentAt?: string;
}

/** An in-memory EmailLedger with the DynamoDB adapter's conditions. */
export class InMemoryEmailLedger implements EmailLedger {
  public readonly entries = new Map<string, Entry>();

  public async claim(
    orderId: string,
    kind: OrderEmailKind,
    token: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<EmailClaim> {
    const key = `${orderId}|${kind}`;
    const entry = this.entries.get(key);
    if (!entry || (entry.status === 'SENDING' && (entry.leaseExpiresAt ?? 0) < nowMs)) {
      this.entries.set(key, { status: 'SENDING', claimToken: token, leaseExpiresAt: nowMs + leaseMs });
      return { outcome: 'claimed' };
    }
    if (entry.status === 'SENT') return { outcome: 'already-sent', sentAt: entry.sentAt ?? '' };
    return { outcome: 'in-progress', leaseExpiresAt: entry.leaseExpiresAt ?? nowMs };
  }

  public async markSent(
    orderId: string,
    kind: OrderEmailKind,
    token: string,
    sent: { sentAt: string },
  ): Promise<boolean> {
    const entry = this.entries.get(`${orderId}|${kind}`);
    if (entry?.claimToken !== token) return false;
    this.entries.set(`${orderId}|${kind}`, { status: 'SENT', claimToken: token, sentAt: sent.sentAt });
    return true;
  }

  public async release(orderId: string, kind: OrderEmailKind, token: string): Promise<void> {
    const entry = this.entries.get(`${orderId}|${kind}`);
    if (entry?.claimToken === token && entry.status === 'SENDING') this.entries.delete(`${orderId}|${kind}`);
  }
}

/** Records sent emails; `failNext` makes the next send throw. */
export class RecordingEmailSender implements EmailSender {
  public readonly sent: OrderEmail[] = [];
  public failNext = 0;

  public async send(email: OrderEmail): Promise<{ messageId?: string }> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('provider unavailable');
    }
    this.sent.push(email);
    return { messageId: `msg-${this.sent.length}` };
  }
}
