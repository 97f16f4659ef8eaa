import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { OrderView } from '../../lambdas/domain/order-status';
import type { IdempotentRunner, PlacedOrder } from '../../lambdas/api/order-api';
import type { PlaceOrderRequest } from '../../lambdas/api/schemas';
import type { Catalog, CatalogItem } from '../../lambdas/ports/catalog';
import { PublishError, type EventPublisher } from '../../lambdas/ports/event-publisher';
import type { OrderReadModel } from '../../lambdas/ports/order-read-model';
import type { OutcomeLedger } from '../../lambdas/ports/outcome-ledger';
import type { EventEnvelope } from '../../lambdas/shared/envelope';

/** Port fakes for unit tests of the API and the services (no AWS, no emulators). */

export class RecordingPublisher implements EventPublisher {
  public readonly published: EventEnvelope[] = [];
  /** When set, every publish throws it (e.g. a PublishError) and records nothing. */
  public failWith: Error | undefined;

  public async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push(...events);
  }

  public ofType(eventType: string): EventEnvelope[] {
    return this.published.filter((event) => event.eventType === eventType);
  }
}

export function aPublishError(): PublishError {
  return new PublishError('1 of 1 records not accepted after 6 attempts', 1, [
    'ProvisionedThroughputExceededException',
  ]);
}

export class InMemoryCatalog implements Catalog {
  public readonly items = new Map<string, CatalogItem>();

  public constructor(items: readonly CatalogItem[] = []) {
    for (const item of items) this.items.set(item.sku, item);
  }

  public async getItem(sku: string): Promise<CatalogItem | undefined> {
    return this.items.get(sku);
  }

  public async getPrices(skus: readonly string[]): Promise<Map<string, number>> {
    const prices = new Map<string, number>();
    for (const sku of skus) {
      const item = this.items.get(sku);
      if (item) prices.set(sku, item.priceCents);
    }
    return prices;
  }

  public async putItem(item: CatalogItem): Promise<CatalogItem> {
    this.items.set(item.sku, item);
    return item;
  }
}

export class InMemoryOrderReadModel implements OrderReadModel {
  public readonly views = new Map<string, OrderView>();

  public async get(orderId: string): Promise<OrderView | undefined> {
    return this.views.get(orderId);
  }
}

export class IdempotencyValidationError extends Error {
  public readonly name = 'IdempotencyValidationError';
}
export class IdempotencyAlreadyInProgressError extends Error {
  public readonly name = 'IdempotencyAlreadyInProgressError';
}

/**
 * The Powertools idempotency semantics in memory: same key + same request -> stored
 * result; other request -> IdempotencyValidationError; running -> AlreadyInProgress;
 * a failed attempt forgets the key.
 */
export function inMemoryIdempotency(): IdempotentRunner & {
  records: Map<string, { request: string; result?: PlacedOrder }>;
} {
  const records = new Map<string, { request: string; result?: PlacedOrder }>();
  const run = async (
    key: string,
    request: PlaceOrderRequest,
    work: () => Promise<PlacedOrder>,
  ): Promise<PlacedOrder> => {
    const fingerprint = JSON.stringify(request);
    const existing = records.get(key);
    if (existing) {
      if (existing.request !== fingerprint) throw new IdempotencyValidationError('payload mismatch');
      if (!existing.result) throw new IdempotencyAlreadyInProgressError('in progress');
      return existing.result;
    }
    records.set(key, { request: fingerprint });
    try {
      const result = await work();
      records.set(key, { request: fingerprint, result });
      return result;
    } catch (error) {
      records.delete(key);
      throw error;
    }
  };
  return Object.assign(run, { records });
}

/** An in-memory side-effect ledger (first writer wins). */
export class InMemoryLedger implements OutcomeLedger {
  public readonly entries = new Map<string, Record<string, unknown>>();

  public async get<T extends Record<string, unknown>>(orderId: string, entry: string): Promise<T | undefined> {
    return this.entries.get(`${orderId}|${entry}`) as T | undefined;
  }

  public async recordOnce<T extends Record<string, unknown>>(orderId: string, entry: string, outcome: T) {
    const key = `${orderId}|${entry}`;
    const existing = this.entries.get(key) as T | undefined;
    if (existing) return { recorded: false, outcome: existing };
    this.entries.set(key, outcome);
    return { recorded: true, outcome };
  }
}

/** An API Gateway HTTP API (payload 2.0) event for `routeKey`, e.g. 'POST /orders'. */
export function anHttpEvent(
  routeKey: string,
  options: {
    readonly path?: string;
    readonly pathParameters?: Record<string, string>;
    readonly body?: unknown;
    readonly headers?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const path =
    options.path ??
    template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.pathParameters?.[name] ?? name));
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '01/Jan/2026:10:00:00 +0000',
      timeEpoch: 1767261600000,
    },
  };
}

/** A valid POST /orders body. */
export function anOrderRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId: 'cust-42',
    email: 'ada@example.com',
    items: [
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ],
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: '12 St James Sq',
      city: 'London',
      postalCode: 'SW1Y 4JH',
      country: 'GB',
    },
    ...overrides,
  };
}

export function anOrderView(overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId: 'order-1',
    status: 'PENDING',
    customerId: 'cust-42',
    email: 'ada@example.com',
    items: [{ sku: 'SKU-A', quantity: 2, unitPriceCents: 1250 }],
    totalCents: 2500,
    currency: 'USD',
    history: [{ status: 'PENDING', at: '2026-01-01T10:00:00.000Z' }],
    version: 1,
    ...overrides,
  };
}
