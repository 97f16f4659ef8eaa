import { causedBy, type EventEnvelope } from '../contract/envelope';
import type { EventPayload } from '../contract/events';
import type { RefundOutcome } from '../domain/payment';
import type { ShipmentOutcome } from '../domain/shipping';
import type { EventPublisher } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import { LedgerEntry, type OutcomeLedger, outcomeOnce } from '../ports/outcome-ledger';
import type { ShippingProvider } from '../ports/shipping-provider';

/**
 * The shipping service: SHIP_ORDER -> ORDER_SHIPPED | SHIPPING_FAILED, one shipment per
 * order: the outcome is recorded in the ledger (`SHIPMENT`, first writer wins) and a
 * redelivered command republishes it without calling the provider again.
 *
 * FENCE. A SHIP_ORDER that arrives after the saga gave up on the order (its step timed out,
 * or the order is being cancelled) must not ship: the saga's compensation records a refund
 * (`PAYMENT#REFUND`, same ledger) before it cancels, so a refund on record makes shipping
 * record and publish SHIPPING_FAILED ("order refunded before shipment") without calling the
 * provider, the way payment declines a charge that comes after a refund. Remaining window:
 * a SHIP_ORDER already past this check when the refund is recorded (a command being
 * processed at the very moment the saga times the step out, after it went unanswered for
 * (maxRedrives + 1) step timeouts) may still ship a cancelled order.
 */
export class ShippingService {
  public constructor(
    private readonly provider: ShippingProvider,
    private readonly ledger: OutcomeLedger,
    private readonly publisher: EventPublisher,
    private readonly log: Pick<Log, 'info' | 'warn'>,
  ) {}

  public async shipOrder(command: EventEnvelope<EventPayload<'SHIP_ORDER'>>): Promise<void> {
    const { orderId, payload } = command;
    const outcome = await outcomeOnce(
      this.ledger,
      this.log,
      { orderId, entry: LedgerEntry.shipment, effect: 'shipment', attemptedMessage: 'shipment attempted' },
      async (): Promise<ShipmentOutcome> => {
        const refunded = await this.ledger.get<RefundOutcome>(orderId, LedgerEntry.refund);
        if (refunded) return { status: 'FAILED', reason: 'order refunded before shipment' };
        return this.provider.createShipment({
          orderId,
          shippingAddress: payload.shippingAddress,
          items: payload.items,
        });
      },
    );
    await this.publisher.publish([
      outcome.status === 'SHIPPED'
        ? causedBy(command, { eventType: 'ORDER_SHIPPED', payload: { shipmentId: outcome.shipmentId } })
        : causedBy(command, { eventType: 'SHIPPING_FAILED', payload: { reason: outcome.reason } }),
    ]);
  }
}
