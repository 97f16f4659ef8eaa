import { causedBy, type EventEnvelope } from '../contract/envelope';
import type { EventPayload } from '../contract/events';
import type { EventPublisher } from '../ports/event-publisher';
import type { InventoryStore } from '../ports/inventory';
import type { Log } from '../ports/log';

/**
 * The inventory service: answers RESERVE_INVENTORY and RELEASE_INVENTORY with their
 * outcome events. Exactly-once by construction, with no other guard: the store decides each
 * order once (reserved, refused or released, one conditional item per order) and hands the
 * recorded decision to every later delivery, so a command delivered twice, concurrently or
 * after a crash between the write and the publish, republishes the same outcome (same
 * eventId via causedBy, same payload), which downstream consumers deduplicate.
 */
export class InventoryService {
  public constructor(
    private readonly store: InventoryStore,
    private readonly publisher: EventPublisher,
    private readonly log: Pick<Log, 'info' | 'warn'>,
  ) {}

  public async reserve(command: EventEnvelope<EventPayload<'RESERVE_INVENTORY'>>): Promise<void> {
    const result = await this.store.reserve(command.orderId, command.payload.items);
    switch (result.outcome) {
      case 'RESERVED':
        this.log.info('inventory reserved', { orderId: command.orderId, alreadyReserved: result.alreadyReserved });
        await this.publisher.publish([
          causedBy(command, { eventType: 'INVENTORY_RESERVED', payload: { items: result.items } }),
        ]);
        return;
      case 'OUT_OF_STOCK':
        this.log.info('inventory reservation failed: out of stock', {
          orderId: command.orderId,
          unavailable: result.unavailable,
          alreadyRejected: result.alreadyRejected,
        });
        await this.publisher.publish([
          causedBy(command, {
            eventType: 'INVENTORY_RESERVATION_FAILED',
            payload: { reason: 'OUT_OF_STOCK' as const, unavailable: result.unavailable },
          }),
        ]);
        return;
      case 'VOIDED':
        // Released before it was reserved (the saga moved on): take nothing, report nothing.
        this.log.warn('reservation refused: the order was released before it reserved', { orderId: command.orderId });
        return;
    }
  }

  public async release(command: EventEnvelope<EventPayload<'RELEASE_INVENTORY'>>): Promise<void> {
    const result = await this.store.release(command.orderId);
    this.log.info('inventory release', { orderId: command.orderId, outcome: result.outcome });
    await this.publisher.publish([causedBy(command, { eventType: 'INVENTORY_RELEASED', payload: {} })]);
  }
}
