import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbInventory, reservationKey } from '../../../lambdas/adapters/dynamodb-inventory';
import { InventoryService } from '../../../lambdas/inventory/inventory-service';
import { useEmulators } from '../../helpers/emulators';
import { createTable } from '../../helpers/emulator-resources';
import { RecordingPublisher } from '../../helpers/api-fakes';
import { anOrderCreated, outcomeOf } from '../../helpers/order-events';

const TABLE = 'inventory';

describe('inventory on DynamoDB Local', () => {
  const fixture = useEmulators();
  let documents: DynamoDBDocumentClient;
  let inventory: DynamoDbInventory;
  let skuCounter = 0;

  beforeAll(async () => {
    const { dynamodb } = fixture();
    await createTable(dynamodb, TABLE, [['pk', 'HASH']]);
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    inventory = new DynamoDbInventory(documents, { tableName: TABLE, maxAttempts: 50 });
  });

  /** A fresh SKU per test so tests do not share stock. */
  async function aSku(available: number, priceCents = 100): Promise<string> {
    const sku = `SKU-${++skuCounter}`;
    await inventory.putItem({ sku, available, priceCents });
    return sku;
  }

  async function availableOf(sku: string): Promise<number | undefined> {
    return (await inventory.getItem(sku))?.available;
  }

  it('reserves every line in one go and takes exactly the requested stock', async () => {
    // Prepare
    const a = await aSku(5);
    const b = await aSku(2);

    // Act
    const result = await inventory.reserve('order-all', [
      { sku: a, quantity: 3 },
      { sku: b, quantity: 2 },
    ]);

    // Assess
    expect(result).toEqual({
      outcome: 'RESERVED',
      items: [
        { sku: a, quantity: 3 },
        { sku: b, quantity: 2 },
      ],
      alreadyReserved: false,
    });
    expect(await availableOf(a)).toBe(2);
    expect(await availableOf(b)).toBe(0);
  });

  it('reserves nothing when one line is short, and names the short line', async () => {
    // Prepare
    const a = await aSku(5);
    const b = await aSku(1);

    // Act
    const result = await inventory.reserve('order-short', [
      { sku: a, quantity: 3 },
      { sku: b, quantity: 2 },
    ]);

    // Assess
    expect(result).toEqual({ outcome: 'OUT_OF_STOCK', unavailable: [{ sku: b, requested: 2, available: 1 }] });
    expect(await availableOf(a)).toBe(5);
    expect(await availableOf(b)).toBe(1);
    const { Item } = await documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: reservationKey('order-short') } }),
    );
    expect(Item).toBeUndefined();
  });

  it('treats a SKU missing from the table as out of stock', async () => {
    // Prepare
    const a = await aSku(5);

    // Act
    const result = await inventory.reserve('order-ghost', [
      { sku: a, quantity: 1 },
      { sku: 'GHOST', quantity: 1 },
    ]);

    // Assess
    expect(result).toEqual({ outcome: 'OUT_OF_STOCK', unavailable: [{ sku: 'GHOST', requested: 1, available: 0 }] });
    expect(await availableOf(a)).toBe(5);
  });

  it('does not take stock again when the same reservation is redelivered', async () => {
    // Prepare
    const a = await aSku(10);
    await inventory.reserve('order-twice', [{ sku: a, quantity: 4 }]);

    // Act
    const again = await inventory.reserve('order-twice', [{ sku: a, quantity: 4 }]);

    // Assess
    expect(again).toEqual({ outcome: 'RESERVED', items: [{ sku: a, quantity: 4 }], alreadyReserved: true });
    expect(await availableOf(a)).toBe(6);
  });

  it('never oversells: 20 concurrent orders on a SKU with stock 5 reserve exactly 5', async () => {
    // Prepare
    const sku = await aSku(5);
    const orders = Array.from({ length: 20 }, (_, i) => `order-race-${i}`);

    // Act
    const results = await Promise.all(orders.map((orderId) => inventory.reserve(orderId, [{ sku, quantity: 1 }])));

    // Assess
    const reserved = results.filter((result) => result.outcome === 'RESERVED');
    const refused = results.filter((result) => result.outcome === 'OUT_OF_STOCK');
    expect(reserved).toHaveLength(5);
    expect(refused).toHaveLength(15);
    expect(await availableOf(sku)).toBe(0);
  });

  it('never oversells multi-line orders competing for two SKUs', async () => {
    // Prepare
    const a = await aSku(6);
    const b = await aSku(4);

    // Act
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        inventory.reserve(`order-pair-${i}`, [
          { sku: a, quantity: 1 },
          { sku: b, quantity: 1 },
        ]),
      ),
    );

    // Assess
    expect(results.filter((result) => result.outcome === 'RESERVED')).toHaveLength(4);
    expect(await availableOf(a)).toBe(2);
    expect(await availableOf(b)).toBe(0);
  });

  it('releases exactly what was reserved, once, however often release is delivered', async () => {
    // Prepare
    const a = await aSku(5);
    const b = await aSku(5);
    await inventory.reserve('order-release', [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 3 },
    ]);

    // Act
    const first = await inventory.release('order-release');
    const second = await inventory.release('order-release');
    const concurrent = await Promise.all([inventory.release('order-release'), inventory.release('order-release')]);

    // Assess
    expect(first).toEqual({
      outcome: 'RELEASED',
      items: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ],
    });
    expect(second).toEqual({ outcome: 'ALREADY_RELEASED' });
    expect(concurrent).toEqual([{ outcome: 'ALREADY_RELEASED' }, { outcome: 'ALREADY_RELEASED' }]);
    expect(await availableOf(a)).toBe(5);
    expect(await availableOf(b)).toBe(5);
  });

  it('releases an order that never reserved as a no-op, and refuses a later reservation for it', async () => {
    // Prepare
    const a = await aSku(5);

    // Act
    const released = await inventory.release('order-never');
    const late = await inventory.reserve('order-never', [{ sku: a, quantity: 1 }]);

    // Assess
    expect(released).toEqual({ outcome: 'NOTHING_RESERVED' });
    expect(late).toEqual({ outcome: 'VOIDED' });
    expect(await availableOf(a)).toBe(5);
  });

  it('publishes INVENTORY_RESERVED / _RESERVATION_FAILED / _RELEASED with deterministic ids through the service', async () => {
    // Prepare
    const sku = await aSku(1);
    const publisher = new RecordingPublisher();
    const service = new InventoryService(inventory, publisher, { info: () => undefined, warn: () => undefined });
    const first = anOrderCreated();
    const second = anOrderCreated();
    const reserveFirst = outcomeOf(first, 'RESERVE_INVENTORY', { items: [{ sku, quantity: 1 }] });
    const reserveSecond = outcomeOf(second, 'RESERVE_INVENTORY', { items: [{ sku, quantity: 1 }] });
    const releaseFirst = outcomeOf(first, 'RELEASE_INVENTORY', {});

    // Act
    await service.reserve(reserveFirst);
    await service.reserve(reserveFirst);
    await service.reserve(reserveSecond);
    await service.release(releaseFirst);
    await service.release(releaseFirst);

    // Assess
    expect(publisher.published.map((event) => event.eventType)).toEqual([
      'INVENTORY_RESERVED',
      'INVENTORY_RESERVED',
      'INVENTORY_RESERVATION_FAILED',
      'INVENTORY_RELEASED',
      'INVENTORY_RELEASED',
    ]);
    expect(publisher.published[1]!.eventId).toBe(publisher.published[0]!.eventId);
    expect(publisher.published[2]).toMatchObject({
      orderId: second.orderId,
      causationId: reserveSecond.eventId,
      payload: { reason: 'OUT_OF_STOCK', unavailable: [{ sku, requested: 1, available: 0 }] },
    });
    expect(publisher.published[4]!.eventId).toBe(publisher.published[3]!.eventId);
    expect(await availableOf(sku)).toBe(1);
  });
});
