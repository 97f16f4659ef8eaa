import { PROJECTED_EVENT_TYPES } from '../domain/order-projection';
import type { Log } from '../ports/log';
import type { OrderReadModelWriter } from '../ports/order-read-model';
import { createStreamConsumer, handleAll, type StreamConsumerHandler } from '../runtime/stream-consumer';
import { OrderProjector } from './order-projector';

export interface ProjectorConsumerDeps {
  readonly readModel: OrderReadModelWriter;
  readonly log: Pick<Log, 'info' | 'warn'>;
}

/** The read model behind GET /orders/{orderId}: one status per lifecycle event. */
export function createProjectorConsumer(deps: ProjectorConsumerDeps): StreamConsumerHandler {
  const projector = new OrderProjector(deps.readModel, deps.log);
  return createStreamConsumer({
    handlers: handleAll(PROJECTED_EVENT_TYPES, async (event) => {
      await projector.handle(event);
    }),
  });
}
