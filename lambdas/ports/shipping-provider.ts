import type { OrderLine, ShippingAddress } from '../contract/events';
import type { ShipmentOutcome } from '../domain/shipping';

export interface ShipmentRequest {
  /** Used as the provider's idempotency key: a repeated request creates one shipment. */
  readonly orderId: string;
  readonly shippingAddress: ShippingAddress;
  readonly items: readonly OrderLine[];
}

/** A carrier. Implementations must treat orderId as an idempotency key. */
export interface ShippingProvider {
  createShipment(request: ShipmentRequest): Promise<ShipmentOutcome>;
}
