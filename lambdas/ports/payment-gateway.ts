import type { ChargeOutcome } from '../domain/payment';

export interface ChargeRequest {
  /** Used as the provider's idempotency key: a repeated request charges once. */
  readonly orderId: string;
  readonly customerId: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly paymentToken?: string;
}

export interface RefundRequest {
  /** Used as the provider's idempotency key: a repeated request refunds once. */
  readonly orderId: string;
  readonly paymentId: string;
  readonly amountCents: number;
}

/** A payment provider. Implementations must treat orderId as an idempotency key. */
export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  refund(request: RefundRequest): Promise<{ readonly refundId: string }>;
}
