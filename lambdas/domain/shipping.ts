/** What creating a shipment ended in; recorded once per order and republished on redelivery. */
export type ShipmentOutcome =
  | { readonly status: 'SHIPPED'; readonly shipmentId: string }
  | { readonly status: 'FAILED'; readonly reason: string };
