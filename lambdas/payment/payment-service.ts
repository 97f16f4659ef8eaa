import { causedBy, type EventEnvelope } from '../contract/envelope';
import type { EventPayload } from '../contract/events';
import { type ChargeOutcome, NO_PAYMENT_ID, type RefundOutcome, refundFor } from '../domain/payment';
import type { EventPublisher } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import { LedgerEntry, type OutcomeLedger, outcomeOnce } from '../ports/outcome-ledger';
import type { PaymentGateway } from '../ports/payment-gateway';

/**
 * The payment service: PROCESS_PAYMENT -> PAYMENT_PROCESSED | PAYMENT_DECLINED,
 * REFUND_PAYMENT -> PAYMENT_REFUNDED. Each order is charged and refunded at most once:
 * the outcome is recorded in the ledger (`PAYMENT#CHARGE`, `PAYMENT#REFUND`, first writer
 * wins) and a redelivered command republishes the recorded outcome without calling the
 * gateway. The window between the gateway call and the ledger write (a crash there) is
 * covered by the gateway's idempotency key (orderId).
 *
 * A refund of an order that was never charged (declined, or no charge at all) records and
 * publishes PAYMENT_REFUNDED with amountCents 0 and paymentId `none`; a charge command
 * arriving after such a refund is declined ("order refunded before charge") so money is
 * never taken for an order that was already compensated.
 */
export class PaymentService {
  public constructor(
    private readonly gateway: PaymentGateway,
    private readonly ledger: OutcomeLedger,
    private readonly publisher: EventPublisher,
    private readonly log: Pick<Log, 'info' | 'warn'>,
  ) {}

  public async processPayment(command: EventEnvelope<EventPayload<'PROCESS_PAYMENT'>>): Promise<void> {
    const { orderId, payload } = command;
    const outcome = await outcomeOnce(
      this.ledger,
      this.log,
      { orderId, entry: LedgerEntry.charge, effect: 'charge', attemptedMessage: 'charge attempted' },
      async (): Promise<ChargeOutcome> => {
        const refunded = await this.ledger.get<RefundOutcome>(orderId, LedgerEntry.refund);
        if (refunded) return { status: 'DECLINED', reason: 'order refunded before charge' };
        return this.gateway.charge({
          orderId,
          customerId: payload.customerId,
          amountCents: payload.amountCents,
          currency: payload.currency,
          ...(payload.paymentToken !== undefined ? { paymentToken: payload.paymentToken } : {}),
        });
      },
    );
    await this.publisher.publish([
      outcome.status === 'APPROVED'
        ? causedBy(command, {
            eventType: 'PAYMENT_PROCESSED',
            payload: { paymentId: outcome.paymentId, amountCents: outcome.amountCents },
          })
        : causedBy(command, { eventType: 'PAYMENT_DECLINED', payload: { reason: outcome.reason } }),
    ]);
  }

  public async refundPayment(command: EventEnvelope<EventPayload<'REFUND_PAYMENT'>>): Promise<void> {
    const { orderId } = command;
    const outcome = await outcomeOnce(
      this.ledger,
      this.log,
      { orderId, entry: LedgerEntry.refund, effect: 'refund', attemptedMessage: 'refund recorded' },
      async (): Promise<RefundOutcome> => {
        const owed = refundFor(await this.ledger.get<ChargeOutcome>(orderId, LedgerEntry.charge));
        if (!owed) return { paymentId: NO_PAYMENT_ID, amountCents: 0 };
        await this.gateway.refund({ orderId, ...owed });
        return owed;
      },
    );
    await this.publisher.publish([
      causedBy(command, {
        eventType: 'PAYMENT_REFUNDED',
        payload: { paymentId: outcome.paymentId, amountCents: outcome.amountCents },
      }),
    ]);
  }
}
