import { SimulatedShippingProvider } from '../../../../lambdas/adapters/simulated-shipping-provider';
import { SILENT_LOG } from '../../../../lambdas/ports/log';
import { ShippingService } from '../../../../lambdas/shipping/shipping-service';
import { InMemoryLedger, RecordingPublisher } from '../../../helpers/api-fakes';
import { anOrderCreated, outcomeOf } from '../../../helpers/order-events';

function shipCommand(country: string) {
  const created = anOrderCreated();
  return outcomeOf(created, 'SHIP_ORDER', {
    shippingAddress: { ...created.payload.shippingAddress, country },
    items: [{ sku: 'SKU-A', quantity: 1 }],
  });
}

describe('ShippingService', () => {
  it('ships once and republishes the same ORDER_SHIPPED on redelivery', async () => {
    // Prepare
    const provider = new SimulatedShippingProvider();
    const publisher = new RecordingPublisher();
    const service = new ShippingService(provider, new InMemoryLedger(), publisher, SILENT_LOG);
    const command = shipCommand('FR');

    // Act
    await service.shipOrder(command);
    await service.shipOrder(command);

    // Assess
    expect(provider.requests).toHaveLength(1);
    expect(publisher.published.map((event) => event.eventType)).toEqual(['ORDER_SHIPPED', 'ORDER_SHIPPED']);
    expect(publisher.published[1]).toEqual({ ...publisher.published[0], occurredAt: expect.any(String) });
  });

  it('publishes SHIPPING_FAILED for an undeliverable address', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const service = new ShippingService(new SimulatedShippingProvider(), new InMemoryLedger(), publisher, SILENT_LOG);

    // Act
    await service.shipOrder(shipCommand('AQ'));

    // Assess
    expect(publisher.published).toEqual([expect.objectContaining({ eventType: 'SHIPPING_FAILED' })]);
  });

  it('refuses a SHIP_ORDER that comes after a refund (a timed-out or cancelled order): no shipment, SHIPPING_FAILED', async () => {
    // Prepare: the saga gave up on the order; its REFUND_PAYMENT was recorded first
    const provider = new SimulatedShippingProvider();
    const ledger = new InMemoryLedger();
    const publisher = new RecordingPublisher();
    const service = new ShippingService(provider, ledger, publisher, SILENT_LOG);
    const command = shipCommand('FR');
    await ledger.recordOnce(command.orderId, 'PAYMENT#REFUND', { paymentId: 'none', amountCents: 0 });

    // Act: the late command, then its redelivery
    await service.shipOrder(command);
    await service.shipOrder(command);

    // Assess
    expect(provider.requests).toHaveLength(0);
    expect(publisher.published.map((event) => [event.eventType, event.payload])).toEqual([
      ['SHIPPING_FAILED', { reason: 'order refunded before shipment' }],
      ['SHIPPING_FAILED', { reason: 'order refunded before shipment' }],
    ]);
    expect(await ledger.get(command.orderId, 'SHIPMENT')).toEqual({
      status: 'FAILED',
      reason: 'order refunded before shipment',
    });
  });
});
