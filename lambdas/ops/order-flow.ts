import { SimulatedPaymentGateway } from '../adapters/simulated-payment-gateway';
import { SimulatedShippingProvider } from '../adapters/simulated-shipping-provider';
import type { PlaceOrderRequest } from '../api/schemas';
import type { EventEnvelope } from '../contract/envelope';
import type { EventPayload } from '../contract/events';
import { decideSaga, SAGA_INPUT_TYPES, type SagaState } from '../domain/order-saga';
import { InventoryService } from '../inventory/inventory-service';
import { PaymentService } from '../payment/payment-service';
import type { EventPublisher } from '../ports/event-publisher';
import type { InventoryStore } from '../ports/inventory';
import { SILENT_LOG } from '../ports/log';
import type { OutcomeLedger } from '../ports/outcome-ledger';
import { ShippingService } from '../shipping/shipping-service';
import { orderCreatedFor } from './order-created';

/**
 * Every record one order puts on the stream on the happy path, produced by the real code: the
 * saga's decideSaga and the inventory, payment and shipping services, run in memory (stock
 * always there, the simulated gateway and carrier). Capacity planning counts and measures
 * these instead of assuming a number, so a new step or a bigger payload shows up there.
 */

/** A typical order: two lines, a full address, a payment token. */
export const SAMPLE_ORDER: PlaceOrderRequest = {
  customerId: 'customer-4711',
  email: 'jane.doe@example.com',
  items: [
    { sku: 'SKU-COFFEE-1KG', quantity: 2 },
    { sku: 'SKU-MUG-BLUE', quantity: 1 },
  ],
  shippingAddress: {
    name: 'Jane Doe',
    line1: '221B Baker Street',
    city: 'London',
    postalCode: 'NW1 6XE',
    country: 'GB',
  },
  paymentToken: 'tok_visa',
};

const SAMPLE_PRICES = new Map([
  ['SKU-COFFEE-1KG', 2_499],
  ['SKU-MUG-BLUE', 1_250],
]);

/** The records of one order, in the order they are put on the stream. */
export async function happyPathRecords(
  order: PlaceOrderRequest = SAMPLE_ORDER,
  prices: ReadonlyMap<string, number> = SAMPLE_PRICES,
): Promise<EventEnvelope[]> {
  const now = '2025-01-01T12:00:00.000Z';
  const created = orderCreatedFor('00000000-0000-5000-8000-000000000001', order, prices, now);
  if (!created.ok) throw new Error(`sample order has unknown SKUs: ${created.unknownSkus.join(', ')}`);

  const queue: EventEnvelope[] = [created.event];
  const publisher: EventPublisher = {
    publish: async (events) => {
      queue.push(...events);
    },
  };
  const log = SILENT_LOG;
  const inventory = new InventoryService(alwaysInStock, publisher, log);
  const payment = new PaymentService(new SimulatedPaymentGateway(), memoryLedger(), publisher, log);
  const shipping = new ShippingService(new SimulatedShippingProvider(), memoryLedger(), publisher, log);
  const sagaInputs: ReadonlySet<string> = new Set(SAGA_INPUT_TYPES);

  const records: EventEnvelope[] = [];
  let saga: SagaState | undefined;
  while (queue.length > 0) {
    const record = queue.shift()!;
    records.push(record);
    if (records.length > 100) throw new Error('the happy path does not end (over 100 records)');
    if (sagaInputs.has(record.eventType)) {
      const decision = decideSaga(saga, record, now);
      if (decision.kind === 'transition') {
        saga = decision.state;
        queue.push(...decision.emit);
      }
    }
    switch (record.eventType) {
      case 'RESERVE_INVENTORY':
        await inventory.reserve(record as EventEnvelope<EventPayload<'RESERVE_INVENTORY'>>);
        break;
      case 'PROCESS_PAYMENT':
        await payment.processPayment(record as EventEnvelope<EventPayload<'PROCESS_PAYMENT'>>);
        break;
      case 'SHIP_ORDER':
        await shipping.shipOrder(record as EventEnvelope<EventPayload<'SHIP_ORDER'>>);
        break;
    }
  }
  return records;
}

const alwaysInStock: InventoryStore = {
  reserve: async (_orderId, lines) => ({ outcome: 'RESERVED', items: [...lines], alreadyReserved: false }),
  release: async () => ({ outcome: 'NOTHING_RESERVED' }),
};

function memoryLedger(): OutcomeLedger {
  const entries = new Map<string, Record<string, unknown>>();
  return {
    get: async <T extends Record<string, unknown>>(orderId: string, entry: string) =>
      entries.get(`${orderId}|${entry}`) as T | undefined,
    recordOnce: async <T extends Record<string, unknown>>(orderId: string, entry: string, outcome: T) => {
      const key = `${orderId}|${entry}`;
      const earlier = entries.get(key) as T | undefined;
      if (earlier) return { recorded: false, outcome: earlier };
      entries.set(key, outcome);
      return { recorded: true, outcome };
    },
  };
}

/** The stream load of `ordersPerSecond` orders: records per order and bytes per record measured on `happyPathRecords`. */
export async function orderWorkload(ordersPerSecond: number): Promise<{
  readonly recordsPerSecond: number;
  readonly recordBytes: number;
  readonly orders: { readonly perSecond: number; readonly recordsPerOrder: number };
  readonly recordTypes: string[];
}> {
  const records = await happyPathRecords();
  const bytes = records.reduce(
    (total, record) => total + Buffer.byteLength(JSON.stringify(record)) + Buffer.byteLength(record.orderId),
    0,
  );
  return {
    recordsPerSecond: ordersPerSecond * records.length,
    recordBytes: bytes / records.length,
    orders: { perSecond: ordersPerSecond, recordsPerOrder: records.length },
    recordTypes: records.map((record) => record.eventType),
  };
}
