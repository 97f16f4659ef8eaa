import { SimulatedPaymentGateway } from '../../../../lambdas/adapters/simulated-payment-gateway';
import { PaymentService } from '../../../../lambdas/payment/payment-service';
import { SILENT_LOG } from '../../../../lambdas/ports/log';
import { InMemoryLedger, RecordingPublisher } from '../../../helpers/api-fakes';
import { anOrderCreated, outcomeOf } from '../../../helpers/order-events';

function setup() {
  const gateway = new SimulatedPaymentGateway();
  const ledger = new InMemoryLedger();
  const publisher = new RecordingPublisher();
  const service = new PaymentService(gateway, ledger, publisher, SILENT_LOG);
  const created = anOrderCreated();
  const charge = (paymentToken?: string) =>
    outcomeOf(created, 'PROCESS_PAYMENT', {
      customerId: 'cust-1',
      amountCents: 3000,
      currency: 'USD',
      ...(paymentToken ? { paymentToken } : {}),
    });
  const refund = outcomeOf(created, 'REFUND_PAYMENT', {});
  return { gateway, ledger, publisher, service, charge, refund };
}

describe('PaymentService', () => {
  it('charges once and republishes the same PAYMENT_PROCESSED on redelivery', async () => {
    // Prepare
    const { gateway, publisher, service, charge } = setup();
    const command = charge('tok_visa');

    // Act
    await service.processPayment(command);
    await service.processPayment(command);

    // Assess
    expect(gateway.charges).toHaveLength(1);
    expect(publisher.published).toHaveLength(2);
    expect(publisher.published[0]).toMatchObject({ eventType: 'PAYMENT_PROCESSED', payload: { amountCents: 3000 } });
    expect(publisher.published[1]!.eventId).toBe(publisher.published[0]!.eventId);
    expect(publisher.published[0]!.causationId).toBe(command.eventId);
  });

  it('publishes PAYMENT_DECLINED for tok_chargeDeclined', async () => {
    // Prepare
    const { publisher, service, charge } = setup();

    // Act
    await service.processPayment(charge('tok_chargeDeclined'));

    // Assess
    expect(publisher.published).toEqual([
      expect.objectContaining({ eventType: 'PAYMENT_DECLINED', payload: { reason: 'card_declined' } }),
    ]);
  });

  it('refunds the charged amount once', async () => {
    // Prepare
    const { gateway, publisher, service, charge, refund } = setup();
    await service.processPayment(charge());

    // Act
    await service.refundPayment(refund);
    await service.refundPayment(refund);

    // Assess
    expect(gateway.refunds).toHaveLength(1);
    const refunds = publisher.ofType('PAYMENT_REFUNDED');
    expect(refunds).toHaveLength(2);
    expect(refunds[0]!.payload).toEqual({ paymentId: publisher.published[0]!.payload.paymentId, amountCents: 3000 });
    expect(refunds[1]!.eventId).toBe(refunds[0]!.eventId);
  });

  it('answers a refund without a charge with PAYMENT_REFUNDED of 0, and then never charges', async () => {
    // Prepare
    const { gateway, publisher, service, charge, refund } = setup();

    // Act
    await service.refundPayment(refund);
    await service.processPayment(charge());

    // Assess
    expect(gateway.refunds).toHaveLength(0);
    expect(gateway.charges).toHaveLength(0);
    expect(publisher.ofType('PAYMENT_REFUNDED')[0]!.payload).toEqual({ paymentId: 'none', amountCents: 0 });
    expect(publisher.ofType('PAYMENT_DECLINED')).toHaveLength(1);
  });

  it('refunds nothing for a declined charge', async () => {
    // Prepare
    const { gateway, publisher, service, charge, refund } = setup();
    await service.processPayment(charge('tok_chargeDeclined'));

    // Act
    await service.refundPayment(refund);

    // Assess
    expect(gateway.refunds).toHaveLength(0);
    expect(publisher.ofType('PAYMENT_REFUNDED')[0]!.payload).toEqual({ paymentId: 'none', amountCents: 0 });
  });
});
