import type { CancellationReason, EventPayload, PricedOrderLine } from '../contract/events';

/** The two customer emails, named after the terminal event that triggers each. */
export type OrderEmailKind = 'ORDER_COMPLETED' | 'ORDER_CANCELLED';

/** One email, as every EmailSender adapter receives it (and the local outbox stores it). */
export interface OrderEmail {
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly orderId: string;
  readonly kind: OrderEmailKind;
}

const REASON_TEXT: Readonly<Record<CancellationReason, string>> = {
  OUT_OF_STOCK: 'some items are out of stock',
  PAYMENT_DECLINED: 'your payment was declined',
  SHIPPING_FAILED: 'we could not ship to your address',
  CUSTOMER_REQUESTED: 'you asked us to cancel it',
  STEP_TIMED_OUT: 'one of our systems did not answer in time',
};

export function confirmationEmail(orderId: string, summary: EventPayload<'ORDER_COMPLETED'>): OrderEmail {
  return {
    to: summary.email,
    subject: `Your order ${orderId} is on its way`,
    body: [
      'Thank you for your order. It has shipped.',
      '',
      ...lines(summary.items, summary.currency),
      `Total: ${money(summary.totalCents, summary.currency)}`,
    ].join('\n'),
    orderId,
    kind: 'ORDER_COMPLETED',
  };
}

export function cancellationEmail(orderId: string, summary: EventPayload<'ORDER_CANCELLED'>): OrderEmail {
  return {
    to: summary.email,
    subject: `Your order ${orderId} was cancelled`,
    body: [
      `We cancelled your order because ${REASON_TEXT[summary.reason]} (${summary.reason}).`,
      'Any reserved stock has been released and any payment refunded.',
      '',
      ...lines(summary.items, summary.currency),
      `Total: ${money(summary.totalCents, summary.currency)}`,
    ].join('\n'),
    orderId,
    kind: 'ORDER_CANCELLED',
  };
}

function lines(items: readonly PricedOrderLine[], currency: string): string[] {
  return items.map((item) => `${item.quantity} x ${item.sku} at ${money(item.unitPriceCents, currency)}`);
}

/** Integer cents as a decimal amount with its currency code, e.g. "12.50 EUR". */
export function money(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}
