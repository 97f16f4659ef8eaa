import { SimulatedPaymentGateway } from '../../../../lambdas/adapters/simulated-payment-gateway';
import { SimulatedShippingProvider } from '../../../../lambdas/adapters/simulated-shipping-provider';

const charge = { orderId: 'order-1', customerId: 'c', amountCents: 1000, currency: 'USD' };
const address = { name: 'Ada', line1: '1 Main', city: 'Paris', postalCode: '75001', country: 'FR' };

describe('SimulatedPaymentGateway', () => {
  it.each([undefined, 'tok_visa', 'tok_mastercard'])(
    'approves token %s with a deterministic paymentId',
    async (paymentToken) => {
      // Prepare
      const gateway = new SimulatedPaymentGateway();
      const request = paymentToken === undefined ? charge : { ...charge, paymentToken };

      // Act
      const first = await gateway.charge(request);
      const again = await gateway.charge(request);

      // Assess
      expect(first).toEqual({
        status: 'APPROVED',
        paymentId: expect.stringMatching(/^pay_[0-9a-f]{24}$/),
        amountCents: 1000,
      });
      expect(again).toEqual(first);
    },
  );

  it('declines tok_chargeDeclined', async () => {
    // Act
    const outcome = await new SimulatedPaymentGateway().charge({ ...charge, paymentToken: 'tok_chargeDeclined' });

    // Assess
    expect(outcome).toEqual({ status: 'DECLINED', reason: 'card_declined' });
  });

  it('gives different orders different paymentIds', async () => {
    // Prepare
    const gateway = new SimulatedPaymentGateway();

    // Act
    const a = await gateway.charge(charge);
    const b = await gateway.charge({ ...charge, orderId: 'order-2' });

    // Assess
    expect(a).not.toEqual(b);
  });
});

describe('SimulatedShippingProvider', () => {
  it('ships with a deterministic shipmentId', async () => {
    // Prepare
    const provider = new SimulatedShippingProvider();
    const request = { orderId: 'order-1', shippingAddress: address, items: [{ sku: 'A', quantity: 1 }] };

    // Act
    const first = await provider.createShipment(request);
    const again = await provider.createShipment(request);

    // Assess
    expect(first).toEqual({ status: 'SHIPPED', shipmentId: expect.stringMatching(/^shp_[0-9a-f]{24}$/) });
    expect(again).toEqual(first);
  });

  it('cannot deliver to Antarctica (AQ)', async () => {
    // Act
    const outcome = await new SimulatedShippingProvider().createShipment({
      orderId: 'order-1',
      shippingAddress: { ...address, country: 'AQ' },
      items: [{ sku: 'A', quantity: 1 }],
    });

    // Assess
    expect(outcome).toEqual({ status: 'FAILED', reason: expect.stringContaining('AQ') });
  });
});
