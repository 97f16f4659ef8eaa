import type { EventPublisher } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import type { OutcomeLedger } from '../ports/outcome-ledger';
import type { ShippingProvider } from '../ports/shipping-provider';
import { createStreamConsumer, type StreamConsumerHandler } from '../runtime/stream-consumer';
import { ShippingService } from './shipping-service';

export interface ShippingConsumerDeps {
  readonly carrier: ShippingProvider;
  /** Remembers each shipment, so a record that comes again does not ship twice. */
  readonly ledger: OutcomeLedger;
  readonly publisher: EventPublisher;
  readonly log: Pick<Log, 'info' | 'warn'>;
}

/** The shipping consumer: ships on SHIP_ORDER, the saga's last step. */
export function createShippingConsumer(deps: ShippingConsumerDeps): StreamConsumerHandler {
  const shipping = new ShippingService(deps.carrier, deps.ledger, deps.publisher, deps.log);
  return createStreamConsumer({
    handlers: { SHIP_ORDER: (event) => shipping.shipOrder(event) },
  });
}
