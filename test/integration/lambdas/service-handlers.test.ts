import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCatalog } from '../../../lambdas/adapters/dynamodb-catalog';
import type { StreamConsumerHandler } from '../../../lambdas/runtime/stream-consumer';
import {
  createActiveStream,
  createTable,
  ofOrder,
  pointSdkAtEmulators,
  readEnvelopes,
} from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { consumerOn } from '../../helpers/functions';
import { aKinesisEvent, aLambdaContext } from '../../helpers/kinesis-events';
import { anOrderCreated, outcomeOf } from '../../helpers/order-events';

const STREAM = 'orderstream-services-test';

/**
 * The inventory, payment and shipping functions composed as deployed (createStreamConsumer +
 * DynamoDB adapters + the coalescing Kinesis publisher; no idempotency table), fed Lambda
 * Kinesis events and read back from kinesis-mock.
 */
describe('inventory, payment and shipping handlers on the emulators', () => {
  const fixture = useEmulators();
  let restoreEnv: () => void = () => undefined;
  const handlers: Record<'inventory' | 'payment' | 'shipping', StreamConsumerHandler> = {} as never;

  beforeAll(async () => {
    const { kinesis, dynamodb, emulators } = fixture();
    await createActiveStream(kinesis, STREAM);
    await createTable(dynamodb, 'inventory', [['pk', 'HASH']]);
    await createTable(dynamodb, 'ledger', [
      ['orderId', 'HASH'],
      ['entry', 'RANGE'],
    ]);
    restoreEnv = pointSdkAtEmulators(emulators);
    const wiring = {
      dynamodb,
      kinesisEndpoint: emulators.kinesisEndpoint,
      streamName: STREAM,
      tables: { inventory: 'inventory', ledger: 'ledger' },
    };
    for (const service of ['inventory', 'payment', 'shipping'] as const) {
      handlers[service] = consumerOn(service, wiring);
    }
  });

  afterAll(() => {
    restoreEnv();
  });

  it('reserves stock for RESERVE_INVENTORY once, even when the record comes three times, and publishes one INVENTORY_RESERVED eventId', async () => {
    // Prepare
    const inventory = new DynamoDbCatalog(DynamoDBDocumentClient.from(fixture().dynamodb), {
      tableName: 'inventory',
    });
    await inventory.putItem({ sku: 'H-SKU', available: 3, priceCents: 100 });
    const created = anOrderCreated();
    const reserve = outcomeOf(created, 'RESERVE_INVENTORY', { items: [{ sku: 'H-SKU', quantity: 2 }] });

    // Act
    const first = await handlers.inventory(aKinesisEvent([reserve]), aLambdaContext('orderstream-inventory'));
    const again = await handlers.inventory(aKinesisEvent([reserve, reserve]), aLambdaContext('orderstream-inventory'));

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect((await inventory.getItem('H-SKU'))?.available).toBe(1);
    const published = (await readEnvelopes(fixture().kinesis, STREAM, ofOrder(created.orderId))).map(
      (record) => record.envelope,
    );
    // the stock moved once; every delivery (re)publishes the same outcome, which the saga applies once
    expect(published.map((event) => event.eventType)).toEqual(Array(3).fill('INVENTORY_RESERVED'));
    expect(new Set(published.map((event) => event.eventId)).size).toBe(1);
    expect(published[0]).toMatchObject({ causationId: reserve.eventId, correlationId: created.correlationId });
  });

  it('charges with PROCESS_PAYMENT and ships with SHIP_ORDER, publishing their outcomes', async () => {
    // Prepare
    const created = anOrderCreated();
    const charge = outcomeOf(created, 'PROCESS_PAYMENT', { customerId: 'c', amountCents: 3000, currency: 'USD' });
    const ship = outcomeOf(created, 'SHIP_ORDER', {
      shippingAddress: created.payload.shippingAddress,
      items: [{ sku: 'A', quantity: 1 }],
    });

    // Act
    const paid = await handlers.payment(aKinesisEvent([charge]), aLambdaContext('orderstream-payment'));
    const shipped = await handlers.shipping(aKinesisEvent([ship]), aLambdaContext('orderstream-shipping'));

    // Assess
    expect(paid.batchItemFailures).toEqual([]);
    expect(shipped.batchItemFailures).toEqual([]);
    const published = (await readEnvelopes(fixture().kinesis, STREAM, ofOrder(created.orderId))).map(
      (record) => record.envelope,
    );
    expect(published.map((event) => event.eventType)).toEqual(['PAYMENT_PROCESSED', 'ORDER_SHIPPED']);
  });
});
