import type { OrderEmailKind } from '../domain/order-email';

/**
 * The email part of the side-effect ledger (LEDGER_TABLE, pk `orderId`, sk `entry` =
 * `EMAIL#<kind>`): one entry per (order, email kind), first SENDING under a short lease
 * held by one claim token, then SENT.
 */
export type EmailClaim =
  /** This caller holds the entry and must send, then `markSent` (or `release` on failure). */
  | { readonly outcome: 'claimed' }
  /** The email was sent before: do nothing. */
  | { readonly outcome: 'already-sent'; readonly sentAt: string }
  /** Another attempt holds an unexpired lease (epoch ms). */
  | { readonly outcome: 'in-progress'; readonly leaseExpiresAt: number };

export interface EmailLedger {
  /**
   * Claims the entry for `token` until `nowMs + leaseMs`: succeeds when there is no entry,
   * or when the entry is SENDING under an expired lease (an earlier attempt died).
   */
  claim(orderId: string, kind: OrderEmailKind, token: string, nowMs: number, leaseMs: number): Promise<EmailClaim>;
  /** Marks the entry SENT if `token` still holds it; false when the claim was lost meanwhile. */
  markSent(
    orderId: string,
    kind: OrderEmailKind,
    token: string,
    sent: { sentAt: string; messageId?: string },
  ): Promise<boolean>;
  /** Gives the entry up (the send failed) if `token` still holds it, so a retry can claim it at once. */
  release(orderId: string, kind: OrderEmailKind, token: string): Promise<void>;
}

export function emailLedgerEntry(kind: OrderEmailKind): string {
  return `EMAIL#${kind}`;
}
