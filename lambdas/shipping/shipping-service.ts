import type { EventPayload } from '../domain/events';
import type { ShipmentOutcome } from '../domain/shipping';
import type { EventPublisher } from '../ports/event-publisher';
import { LedgerEntry, type OutcomeLedger } from '../ports/outcome-ledger';
import type { ShippingProvider } from '../ports/shipping-provider';
import { causedBy, type EventEnvelope } from '../shared/envelope';
import type { ServiceLog } from '../inventory/inventory-service';

/**
 * The shipping service: SHIP_ORDER -> ORDER_SHIPPED | SHIPPING_FAILED, one shipment per
 * order: the outcome is recorded in the ledger (`SHIPMENT`, first writer wins) and a
 * redelivered command republishes it without calling the provider again.
 */
export class ShippingService {
  public constructor(
    private readonly provider: ShippingProvider,
    private readonly ledger: OutcomeLedger,
    private readonly publisher: EventPublisher,
    private readonly log: ServiceLog,
  ) {}

  public async shipOrder(command: EventEnvelope<EventPayload<'SHIP_ORDER'>>): Promise<void> {
    const { orderId, payload } = command;
    let outcome = await this.ledger.get<ShipmentOutcome>(orderId, LedgerEntry.shipment);
    if (outcome) {
      this.log.info('shipment already on record; republishing its outcome', { orderId, status: outcome.status });
    } else {
      const attempt = await this.provider.createShipment({
        orderId,
        shippingAddress: payload.shippingAddress,
        items: payload.items,
      });
      outcome = (await this.ledger.recordOnce(orderId, LedgerEntry.shipment, attempt)).outcome;
      this.log.info('shipment attempted', { orderId, status: outcome.status });
    }
    await this.publisher.publish([
      outcome.status === 'SHIPPED'
        ? causedBy(command, { eventType: 'ORDER_SHIPPED', payload: { shipmentId: outcome.shipmentId } })
        : causedBy(command, { eventType: 'SHIPPING_FAILED', payload: { reason: outcome.reason } }),
    ]);
  }
}
