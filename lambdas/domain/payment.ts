/** What a charge attempt ended in; recorded once per order and republished on redelivery. */
export type ChargeOutcome =
  | { readonly status: 'APPROVED'; readonly paymentId: string; readonly amountCents: number }
  | { readonly status: 'DECLINED'; readonly reason: string };

/** What a refund ended in; `amountCents: 0` with paymentId `none` when nothing had been charged. */
export type RefundOutcome = {
  readonly paymentId: string;
  readonly amountCents: number;
};

/** The paymentId reported by a refund of an order that was never charged. */
export const NO_PAYMENT_ID = 'none';

/** The refund owed for a charge outcome (nothing for a declined or missing charge). */
export function refundFor(charge: ChargeOutcome | undefined): { paymentId: string; amountCents: number } | undefined {
  return charge?.status === 'APPROVED' ? { paymentId: charge.paymentId, amountCents: charge.amountCents } : undefined;
}
