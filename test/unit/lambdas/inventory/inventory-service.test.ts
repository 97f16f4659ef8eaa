import { InventoryService } from '../../../../lambdas/inventory/inventory-service';
import type { InventoryStore, ReleaseResult, ReserveResult } from '../../../../lambdas/ports/inventory';
import { SILENT_LOG } from '../../../../lambdas/ports/log';
import { RecordingPublisher } from '../../../helpers/api-fakes';
import { anOrderCreated, outcomeOf } from '../../../helpers/order-events';

function storeAnswering(
  reserve: ReserveResult,
  release: ReleaseResult = { outcome: 'RELEASED', items: [] },
): InventoryStore {
  return { reserve: async () => reserve, release: async () => release };
}

describe('InventoryService', () => {
  const created = anOrderCreated();
  const reserve = outcomeOf(created, 'RESERVE_INVENTORY', { items: [{ sku: 'A', quantity: 2 }] });
  const release = outcomeOf(created, 'RELEASE_INVENTORY', {});

  it('publishes INVENTORY_RESERVED caused by the command', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const service = new InventoryService(
      storeAnswering({ outcome: 'RESERVED', items: [{ sku: 'A', quantity: 2 }], alreadyReserved: false }),
      publisher,
      SILENT_LOG,
    );

    // Act
    await service.reserve(reserve);

    // Assess
    expect(publisher.published).toEqual([
      expect.objectContaining({
        eventType: 'INVENTORY_RESERVED',
        orderId: created.orderId,
        correlationId: created.correlationId,
        causationId: reserve.eventId,
        payload: { items: [{ sku: 'A', quantity: 2 }] },
      }),
    ]);
  });

  it('publishes INVENTORY_RESERVATION_FAILED with the short lines', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const unavailable = [{ sku: 'A', requested: 2, available: 1 }];
    const service = new InventoryService(
      storeAnswering({ outcome: 'OUT_OF_STOCK', unavailable, alreadyRejected: false }),
      publisher,
      SILENT_LOG,
    );

    // Act
    await service.reserve(reserve);

    // Assess
    expect(publisher.published).toEqual([
      expect.objectContaining({
        eventType: 'INVENTORY_RESERVATION_FAILED',
        payload: { reason: 'OUT_OF_STOCK', unavailable },
      }),
    ]);
  });

  it('publishes nothing for a reservation voided by an earlier release', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const service = new InventoryService(storeAnswering({ outcome: 'VOIDED' }), publisher, SILENT_LOG);

    // Act
    await service.reserve(reserve);

    // Assess
    expect(publisher.published).toEqual([]);
  });

  it.each<ReleaseResult>([
    { outcome: 'RELEASED', items: [{ sku: 'A', quantity: 2 }] },
    { outcome: 'ALREADY_RELEASED' },
    { outcome: 'NOTHING_RESERVED' },
  ])('publishes INVENTORY_RELEASED when the store answers $outcome', async (result) => {
    // Prepare
    const publisher = new RecordingPublisher();
    const service = new InventoryService(storeAnswering({ outcome: 'VOIDED' }, result), publisher, SILENT_LOG);

    // Act
    await service.release(release);

    // Assess
    expect(publisher.published).toEqual([expect.objectContaining({ eventType: 'INVENTORY_RELEASED', payload: {} })]);
  });

  it('lets a store failure propagate so the record is retried', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const failing: InventoryStore = {
      reserve: async () => {
        throw new Error('throttled');
      },
      release: async () => ({ outcome: 'NOTHING_RESERVED' }),
    };
    const service = new InventoryService(failing, publisher, SILENT_LOG);

    // Act / Assess
    await expect(service.reserve(reserve)).rejects.toThrow('throttled');
    expect(publisher.published).toEqual([]);
  });
});
