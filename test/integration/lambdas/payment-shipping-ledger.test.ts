import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbOutcomeLedger } from '../../../lambdas/adapters/dynamodb-outcome-ledger';
import { SimulatedPaymentGateway } from '../../../lambdas/adapters/simulated-payment-gateway';
import { SimulatedShippingProvider } from '../../../lambdas/adapters/simulated-shipping-provider';
import { PaymentService } from '../../../lambdas/payment/payment-service';
import { SILENT_LOG } from '../../../lambdas/ports/log';
import { ShippingService } from '../../../lambdas/shipping/shipping-service';
import { RecordingPublisher } from '../../helpers/api-fakes';
import { createTable } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { anOrderCreated, outcomeOf } from '../../helpers/order-events';

const TABLE = 'ledger';

describe('payment and shipping exactly once on the DynamoDB Local ledger', () => {
  const fixture = useEmulators();
  let documents: DynamoDBDocumentClient;
  let ledger: DynamoDbOutcomeLedger;

  beforeAll(async () => {
    const { dynamodb } = fixture();
    await createTable(dynamodb, TABLE, [
      ['orderId', 'HASH'],
      ['entry', 'RANGE'],
    ]);
    documents = DynamoDBDocumentClient.from(dynamodb);
    ledger = new DynamoDbOutcomeLedger(documents, TABLE);
  });

  async function entriesOf(orderId: string): Promise<Record<string, unknown>[]> {
    const { Items } = await documents.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':o': orderId },
      }),
    );
    return Items ?? [];
  }

  it('charges once and refunds once however often the commands are redelivered', async () => {
    // Prepare
    const gateway = new SimulatedPaymentGateway();
    const publisher = new RecordingPublisher();
    const service = new PaymentService(gateway, ledger, publisher, SILENT_LOG);
    const created = anOrderCreated();
    const charge = outcomeOf(created, 'PROCESS_PAYMENT', {
      customerId: 'c',
      amountCents: 4200,
      currency: 'USD',
      paymentToken: 'tok_visa',
    });
    const refund = outcomeOf(created, 'REFUND_PAYMENT', {});

    // Act
    await service.processPayment(charge);
    await service.processPayment(charge);
    await service.refundPayment(refund);
    await service.refundPayment(refund);

    // Assess
    expect(gateway.charges).toHaveLength(1);
    expect(gateway.refunds).toHaveLength(1);
    expect(publisher.published.map((event) => event.eventType)).toEqual([
      'PAYMENT_PROCESSED',
      'PAYMENT_PROCESSED',
      'PAYMENT_REFUNDED',
      'PAYMENT_REFUNDED',
    ]);
    expect(new Set(publisher.published.map((event) => event.eventId)).size).toBe(2);
    expect(publisher.published[2]!.payload).toEqual({
      paymentId: publisher.published[0]!.payload.paymentId,
      amountCents: 4200,
    });
    const entries = await entriesOf(created.orderId);
    expect(entries.map((entry) => entry.entry).sort()).toEqual(['PAYMENT#CHARGE', 'PAYMENT#REFUND']);
  });

  it('keeps the first recorded outcome when a second service instance races it', async () => {
    // Prepare: two instances (two gateways) handle the same command at the same time
    const created = anOrderCreated();
    const charge = outcomeOf(created, 'PROCESS_PAYMENT', { customerId: 'c', amountCents: 100, currency: 'USD' });
    const publishers = [new RecordingPublisher(), new RecordingPublisher()];
    const services = publishers.map(
      (publisher) => new PaymentService(new SimulatedPaymentGateway(), ledger, publisher, SILENT_LOG),
    );

    // Act
    await Promise.all(services.map((service) => service.processPayment(charge)));

    // Assess
    const [a, b] = publishers.map((publisher) => publisher.published[0]!);
    expect(a).toEqual({ ...b, occurredAt: expect.any(String) });
    expect(await entriesOf(created.orderId)).toHaveLength(1);
  });

  it('declines tok_chargeDeclined and republishes the decline on redelivery', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const service = new PaymentService(new SimulatedPaymentGateway(), ledger, publisher, SILENT_LOG);
    const created = anOrderCreated();
    const charge = outcomeOf(created, 'PROCESS_PAYMENT', {
      customerId: 'c',
      amountCents: 100,
      currency: 'USD',
      paymentToken: 'tok_chargeDeclined',
    });

    // Act
    await service.processPayment(charge);
    await service.processPayment(charge);

    // Assess
    expect(publisher.published.map((event) => event.eventType)).toEqual(['PAYMENT_DECLINED', 'PAYMENT_DECLINED']);
  });

  it('ships once however often SHIP_ORDER is redelivered', async () => {
    // Prepare
    const provider = new SimulatedShippingProvider();
    const publisher = new RecordingPublisher();
    const service = new ShippingService(provider, ledger, publisher, SILENT_LOG);
    const created = anOrderCreated();
    const ship = outcomeOf(created, 'SHIP_ORDER', {
      shippingAddress: created.payload.shippingAddress,
      items: [{ sku: 'A', quantity: 1 }],
    });

    // Act
    await service.shipOrder(ship);
    await service.shipOrder(ship);
    await service.shipOrder(ship);

    // Assess
    expect(provider.requests).toHaveLength(1);
    expect(publisher.published.map((event) => event.eventType)).toEqual([
      'ORDER_SHIPPED',
      'ORDER_SHIPPED',
      'ORDER_SHIPPED',
    ]);
    expect(new Set(publisher.published.map((event) => event.payload.shipmentId)).size).toBe(1);
    expect((await entriesOf(created.orderId)).map((entry) => entry.entry)).toEqual(['SHIPMENT']);
  });

  it('records an undeliverable shipment as failed once', async () => {
    // Prepare
    const provider = new SimulatedShippingProvider();
    const publisher = new RecordingPublisher();
    const service = new ShippingService(provider, ledger, publisher, SILENT_LOG);
    const created = anOrderCreated();
    const ship = outcomeOf(created, 'SHIP_ORDER', {
      shippingAddress: { ...created.payload.shippingAddress, country: 'AQ' },
      items: [{ sku: 'A', quantity: 1 }],
    });

    // Act
    await service.shipOrder(ship);
    await service.shipOrder(ship);

    // Assess
    expect(provider.requests).toHaveLength(1);
    expect(publisher.published.map((event) => event.eventType)).toEqual(['SHIPPING_FAILED', 'SHIPPING_FAILED']);
  });
});
