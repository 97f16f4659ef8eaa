import { createHash } from 'node:crypto';
import type { ShipmentOutcome } from '../domain/shipping';
import type { ShipmentRequest, ShippingProvider } from '../ports/shipping-provider';

/** Countries the simulated carrier cannot deliver to (ISO 3166-1 alpha-2). */
export const UNDELIVERABLE_COUNTRIES: ReadonlySet<string> = new Set(['AQ']);

/**
 * A deterministic carrier for local runs and tests (no network): an address in
 * Antarctica (`AQ`) is undeliverable; anything else ships with shipmentId
 * `shp_<hash(orderId)>` (the same for a repeated request). Counts calls for tests.
 */
export class SimulatedShippingProvider implements ShippingProvider {
  public readonly requests: ShipmentRequest[] = [];

  public async createShipment(request: ShipmentRequest): Promise<ShipmentOutcome> {
    this.requests.push(request);
    const country = request.shippingAddress.country;
    if (UNDELIVERABLE_COUNTRIES.has(country)) {
      return { status: 'FAILED', reason: `UNDELIVERABLE_ADDRESS: no delivery to country ${country}` };
    }
    return {
      status: 'SHIPPED',
      shipmentId: `shp_${createHash('sha256').update(request.orderId).digest('hex').slice(0, 24)}`,
    };
  }
}
