import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCatalog } from '../../../lambdas/adapters/dynamodb-catalog';
import { reservationKey } from '../../../lambdas/adapters/dynamodb-inventory-table';
import { DynamoDbReservations } from '../../../lambdas/adapters/dynamodb-reservations';
import { deterministicEventId } from '../../../lambdas/contract/envelope';
import { MAX_AVAILABLE } from '../../../lambdas/domain/inventory';
import { InventoryService } from '../../../lambdas/inventory/inventory-service';
import { SILENT_LOG } from '../../../lambdas/ports/log';
import { aPublishError, RecordingPublisher } from '../../helpers/api-fakes';
import { createTable } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { anOrderCreated, outcomeOf } from '../../helpers/order-events';

const TABLE = 'inventory';

describe('inventory on DynamoDB Local', () => {
  const fixture = useEmulators();
  let documents: DynamoDBDocumentClient;
  let catalog: DynamoDbCatalog;
  let inventory: DynamoDbReservations;
  let skuCounter = 0;

  beforeAll(async () => {
    const { dynamodb } = fixture();
    await createTable(dynamodb, TABLE, [['pk', 'HASH']]);
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    catalog = new DynamoDbCatalog(documents, { tableName: TABLE });
    inventory = new DynamoDbReservations(documents, { tableName: TABLE, maxAttempts: 50 });
  });

  /** A fresh SKU per test so tests do not share stock. */
  async function aSku(available: number, priceCents = 100): Promise<string> {
    const sku = `SKU-${++skuCounter}`;
    await catalog.putItem({ sku, available, priceCents });
    return sku;
  }

  async function availableOf(sku: string): Promise<number | undefined> {
    return (await catalog.getItem(sku))?.available;
  }

  async function reservationItem(orderId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: TABLE, Key: { pk: reservationKey(orderId) }, ConsistentRead: true }),
    );
    return Item;
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

    // Assess: nothing taken, the refusal recorded where reservations live
    const unavailable = [{ sku: b, requested: 2, available: 1 }];
    expect(result).toEqual({ outcome: 'OUT_OF_STOCK', unavailable, alreadyRejected: false });
    expect(await availableOf(a)).toBe(5);
    expect(await availableOf(b)).toBe(1);
    expect(await reservationItem('order-short')).toMatchObject({ status: 'REJECTED', unavailable });
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
    expect(result).toEqual({
      outcome: 'OUT_OF_STOCK',
      unavailable: [{ sku: 'GHOST', requested: 1, available: 0 }],
      alreadyRejected: false,
    });
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
    const service = new InventoryService(inventory, publisher, SILENT_LOG);
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

  describe('an order answered OUT_OF_STOCK never reserves later', () => {
    it('refuses the same reservation again after a restock, taking nothing; its release is a no-op', async () => {
      // Prepare: refused at stock 0, then restocked
      const sku = await aSku(0);
      const first = await inventory.reserve('order-oos-restock', [{ sku, quantity: 1 }]);
      await catalog.adjustAvailable(sku, 3, { maxAvailable: MAX_AVAILABLE });

      // Act: the same RESERVE_INVENTORY again (replay, redrive), then the saga's release
      const again = await inventory.reserve('order-oos-restock', [{ sku, quantity: 1 }]);
      const released = await inventory.release('order-oos-restock');
      const afterRelease = await inventory.reserve('order-oos-restock', [{ sku, quantity: 1 }]);

      // Assess
      const unavailable = [{ sku, requested: 1, available: 0 }];
      expect(first).toEqual({ outcome: 'OUT_OF_STOCK', unavailable, alreadyRejected: false });
      expect(again).toEqual({ outcome: 'OUT_OF_STOCK', unavailable, alreadyRejected: true });
      expect(released).toEqual({ outcome: 'NOTHING_RESERVED' });
      expect(afterRelease).toEqual(again);
      expect(await availableOf(sku)).toBe(3);
      expect(await reservationItem('order-oos-restock')).toMatchObject({ status: 'REJECTED' });
    });

    it('gives concurrent deliveries of one reservation one answer and takes stock at most once, a restock racing', async () => {
      for (const round of [1, 2, 3]) {
        // Prepare: 1 available, the order needs 2; a restock of 1 races the deliveries
        const sku = await aSku(1);
        const orderId = `order-dup-${round}`;

        // Act
        const [results] = await Promise.all([
          Promise.all(Array.from({ length: 8 }, () => inventory.reserve(orderId, [{ sku, quantity: 2 }]))),
          catalog.adjustAvailable(sku, 1, { maxAvailable: MAX_AVAILABLE }),
        ]);

        // Assess: one decision for all; stock consistent with it
        const outcomes = new Set(results.map((result) => result.outcome));
        expect(outcomes.size).toBe(1);
        const reserved = outcomes.has('RESERVED');
        expect(await availableOf(sku)).toBe(reserved ? 0 : 2);
        expect(results.filter((r) => r.outcome === 'RESERVED' && !r.alreadyReserved).length).toBe(reserved ? 1 : 0);
        expect(results.filter((r) => r.outcome === 'OUT_OF_STOCK' && !r.alreadyRejected).length).toBe(reserved ? 0 : 1);
      }
    });

    it('republishes the same outcome (same eventId and payload) on redelivery after a crash before the publish', async () => {
      // Prepare: refused at stock 0, the publish dies after the decision was written
      const sku = await aSku(0);
      const publisher = new RecordingPublisher();
      const service = new InventoryService(inventory, publisher, SILENT_LOG);
      const reserve = outcomeOf(anOrderCreated(), 'RESERVE_INVENTORY', { items: [{ sku, quantity: 1 }] });
      publisher.failAfterAcceptingWith = aPublishError(true);
      await expect(service.reserve(reserve)).rejects.toThrow();
      publisher.failAfterAcceptingWith = undefined;
      await catalog.adjustAvailable(sku, 5, { maxAvailable: MAX_AVAILABLE });

      // Act: the record is redelivered after the restock
      await service.reserve(reserve);

      // Assess
      const [attempted, republished] = publisher.published;
      expect(republished).toMatchObject({
        eventId: deterministicEventId(reserve.eventId, 'INVENTORY_RESERVATION_FAILED'),
        eventType: 'INVENTORY_RESERVATION_FAILED',
        payload: { reason: 'OUT_OF_STOCK', unavailable: [{ sku, requested: 1, available: 0 }] },
      });
      expect({ ...republished, occurredAt: undefined }).toEqual({ ...attempted, occurredAt: undefined });
      expect(await availableOf(sku)).toBe(5);
    });
  });

  describe('stock changes that cannot race', () => {
    it('bumps the version on every change of available, so a write from a read before a reservation is refused', async () => {
      // Prepare: an admin reads, then an order reserves 2
      const sku = await aSku(5);
      const read = (await catalog.getItem(sku))!;
      await inventory.reserve('order-version', [{ sku, quantity: 2 }]);

      // Act: a restock computed from the stale read, then the race-free adjustment
      const stale = await catalog.putItem({ sku, available: read.available + 10, priceCents: 100 }, read);
      const adjusted = await catalog.adjustAvailable(sku, 10, { maxAvailable: MAX_AVAILABLE });
      await inventory.release('order-version');

      // Assess: the reservation survived; release bumped the version too
      expect(stale).toEqual({
        ok: false,
        reason: 'PRECONDITION_FAILED',
        current: { sku, available: 3, priceCents: 100, version: read.version + 1 },
      });
      expect(adjusted).toEqual({ ok: true, item: { sku, available: 13, priceCents: 100, version: read.version + 2 } });
      expect(await catalog.getItem(sku)).toEqual({ sku, available: 15, priceCents: 100, version: read.version + 3 });
    });

    it('lets exactly one of concurrent writes with the same If-Match version win', async () => {
      const sku = await aSku(5);
      const read = (await catalog.getItem(sku))!;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => catalog.putItem({ sku, available: 10 + i, priceCents: 100 }, read)),
      );
      const winners = results.filter((result) => result.ok);
      expect(winners).toHaveLength(1);
      expect((await catalog.getItem(sku))?.version).toBe(read.version + 1);
    });

    it('never takes stock below zero with concurrent write-offs and reservations', async () => {
      // Prepare: 10 units; 15 write-offs of 1 and 5 reservations of 1 compete
      const sku = await aSku(10);

      // Act
      const [adjustments, reservations] = await Promise.all([
        Promise.all(
          Array.from({ length: 15 }, () => catalog.adjustAvailable(sku, -1, { maxAvailable: MAX_AVAILABLE })),
        ),
        Promise.all(
          Array.from({ length: 5 }, (_, i) => inventory.reserve(`order-writeoff-${i}`, [{ sku, quantity: 1 }])),
        ),
      ]);

      // Assess: exactly the 10 units went, none twice
      const taken =
        adjustments.filter((result) => result.ok).length +
        reservations.filter((result) => result.outcome === 'RESERVED').length;
      expect(taken).toBe(10);
      expect(adjustments.filter((result) => !result.ok && result.reason === 'OUT_OF_RANGE').length).toBe(
        adjustments.length - adjustments.filter((result) => result.ok).length,
      );
      expect(await availableOf(sku)).toBe(0);
    });

    it('creates only when absent, refuses adjustments out of range or on a missing SKU', async () => {
      const sku = await aSku(5);
      expect(await catalog.putItem({ sku, available: 1, priceCents: 1 }, 'ABSENT')).toMatchObject({
        ok: false,
        reason: 'PRECONDITION_FAILED',
        current: { available: 5 },
      });
      expect(await catalog.adjustAvailable(sku, -6, { maxAvailable: MAX_AVAILABLE })).toMatchObject({
        ok: false,
        reason: 'OUT_OF_RANGE',
        current: { available: 5 },
      });
      expect(await catalog.adjustAvailable(sku, MAX_AVAILABLE, { maxAvailable: MAX_AVAILABLE })).toMatchObject({
        reason: 'OUT_OF_RANGE',
      });
      expect(
        await catalog.adjustAvailable(sku, 1, { maxAvailable: MAX_AVAILABLE, expected: { version: 99 } }),
      ).toMatchObject({ reason: 'PRECONDITION_FAILED', current: { available: 5 } });
      expect(await catalog.adjustAvailable('NO-SUCH-SKU', 1, { maxAvailable: MAX_AVAILABLE })).toEqual({
        ok: false,
        reason: 'PRECONDITION_FAILED',
        current: undefined,
      });
      expect(await availableOf(sku)).toBe(5);
    });

    it('treats an item written before versions (as the demo catalogue writes it) as version 0', async () => {
      await documents.send(
        new PutCommand({ TableName: TABLE, Item: { pk: 'SKU#LEGACY', sku: 'LEGACY', available: 4, priceCents: 10 } }),
      );
      expect((await catalog.getItem('LEGACY'))?.version).toBe(0);
      const written = await catalog.putItem({ sku: 'LEGACY', available: 6, priceCents: 10 }, { version: 0 });
      expect(written).toMatchObject({ ok: true, item: { available: 6, version: 1 } });
    });
  });
});
