import type { EventPayload } from '../domain/events';
import { NO_PAYMENT_ID, refundFor, type ChargeOutcome, type RefundOutcome } from '../domain/payment';
import type { EventPublisher } from '../ports/event-publisher';
import { LedgerEntry, type OutcomeLedger } from '../ports/outcome-ledger';
import type { PaymentGateway } from '../ports/payment-gateway';
import { causedBy, type EventEnvelope } from '../shared/envelope';
import type { ServiceLog } from '../inventory/inventory-service';

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
    private readonly log: ServiceLog,
  ) {}

  public async processPayment(command: EventEnvelope<EventPayload<'PROCESS_PAYMENT'>>): Promise<void> {
    const { orderId, payload } = command;
    let outcome = await this.ledger.get<ChargeOutcome>(orderId, LedgerEntry.charge);
    if (outcome) {
      this.log.info('charge already on record; republishing its outcome', { orderId, status: outcome.status });
    } else {
      const refunded = await this.ledger.get<RefundOutcome>(orderId, LedgerEntry.refund);
      const attempt: ChargeOutcome = refunded
        ? { status: 'DECLINED', reason: 'order refunded before charge' }
        : await this.gateway.charge({
            orderId,
            customerId: payload.customerId,
            amountCents: payload.amountCents,
            currency: payload.currency,
            ...(payload.paymentToken !== undefined ? { paymentToken: payload.paymentToken } : {}),
          });
      outcome = (await this.ledger.recordOnce(orderId, LedgerEntry.charge, attempt)).outcome;
      this.log.info('charge attempted', { orderId, status: outcome.status });
    }
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
    let outcome = await this.ledger.get<RefundOutcome>(orderId, LedgerEntry.refund);
    if (outcome) {
      this.log.info('refund already on record; republishing its outcome', { orderId });
    } else {
      const owed = refundFor(await this.ledger.get<ChargeOutcome>(orderId, LedgerEntry.charge));
      if (owed) await this.gateway.refund({ orderId, ...owed });
      const attempt: RefundOutcome = owed ?? { paymentId: NO_PAYMENT_ID, amountCents: 0 };
      outcome = (await this.ledger.recordOnce(orderId, LedgerEntry.refund, attempt)).outcome;
      this.log.info('refund recorded', { orderId, amountCents: outcome.amountCents });
    }
    await this.publisher.publish([
      causedBy(command, {
        eventType: 'PAYMENT_REFUNDED',
        payload: { paymentId: outcome.paymentId, amountCents: outcome.amountCents },
      }),
    ]);
  }
}
