import type { EventPublisher } from '../ports/event-publisher';
import type { InventoryStore } from '../ports/inventory';
import type { Log } from '../ports/log';
import { createStreamConsumer, type StreamConsumerHandler } from '../runtime/stream-consumer';
import { InventoryService } from './inventory-service';

export interface InventoryConsumerDeps {
  /** The reservations: each order's hold on stock, applied once. */
  readonly store: InventoryStore;
  readonly publisher: EventPublisher;
  readonly log: Pick<Log, 'info' | 'warn'>;
}

/** The inventory consumer: reserves on RESERVE_INVENTORY, gives back on RELEASE_INVENTORY (compensation). */
export function createInventoryConsumer(deps: InventoryConsumerDeps): StreamConsumerHandler {
  const inventory = new InventoryService(deps.store, deps.publisher, deps.log);
  return createStreamConsumer({
    handlers: {
      RESERVE_INVENTORY: (event) => inventory.reserve(event),
      RELEASE_INVENTORY: (event) => inventory.release(event),
    },
  });
}
