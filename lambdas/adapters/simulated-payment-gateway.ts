import { createHash } from 'node:crypto';
import type { ChargeOutcome } from '../domain/payment';
import type { ChargeRequest, PaymentGateway, RefundRequest } from '../ports/payment-gateway';

/** The token the simulator always declines (as Stripe's test token of the same name). */
export const DECLINED_TOKEN = 'tok_chargeDeclined';

/**
 * A deterministic payment provider for local runs and tests (no network):
 * - token `tok_chargeDeclined` -> DECLINED ("card_declined");
 * - no token, `tok_visa` or any other token -> APPROVED;
 * - paymentId `pay_<hash(orderId)>`, refundId `re_<hash(orderId)>`: repeating a request
 *   for the same order yields the same ids, as a real provider's idempotency key would.
 * It counts calls so tests can prove effects happen once.
 */
export class SimulatedPaymentGateway implements PaymentGateway {
  public readonly charges: ChargeRequest[] = [];
  public readonly refunds: RefundRequest[] = [];

  public async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    this.charges.push(request);
    if (request.paymentToken === DECLINED_TOKEN) return { status: 'DECLINED', reason: 'card_declined' };
    return { status: 'APPROVED', paymentId: `pay_${digest(request.orderId)}`, amountCents: request.amountCents };
  }

  public async refund(request: RefundRequest): Promise<{ refundId: string }> {
    this.refunds.push(request);
    return { refundId: `re_${digest(request.orderId)}` };
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}
