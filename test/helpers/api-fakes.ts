import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  type IdempotentRunner,
  OrderApi,
  type PlacedOrder,
  type ScopedIdempotencyKey,
} from '../../lambdas/api/order-api';
import { createRouter } from '../../lambdas/api/router';
import { apiRoutes } from '../../lambdas/api/routes';
import type { PlaceOrderRequest } from '../../lambdas/api/schemas';
import type { EventEnvelope } from '../../lambdas/contract/envelope';
import type { OrderView } from '../../lambdas/domain/order-status';
import type { Catalog, CatalogItem, CatalogWriteResult, ExpectedVersion } from '../../lambdas/ports/catalog';
import { type EventPublisher, PublishError } from '../../lambdas/ports/event-publisher';
import type { OrderReadModel } from '../../lambdas/ports/order-read-model';
import type { OutcomeLedger } from '../../lambdas/ports/outcome-ledger';

/** Port fakes for unit tests of the API and the services (no AWS, no emulators). */

export class RecordingPublisher implements EventPublisher {
  public readonly published: EventEnvelope[] = [];
  /** When set, every publish throws it (e.g. a PublishError) and records nothing. */
  public failWith: Error | undefined;
  /** When set, every publish records the events (the stream took them) and then throws it (a timeout). */
  public failAfterAcceptingWith: Error | undefined;

  public async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push(...events);
    if (this.failAfterAcceptingWith) throw this.failAfterAcceptingWith;
  }

  public ofType(eventType: string): EventEnvelope[] {
    return this.published.filter((event) => event.eventType === eventType);
  }
}

/** A PublishError as the publisher throws it: refused for sure, or (`mayHaveBeenAccepted`) timed out. */
export function aPublishError(mayHaveBeenAccepted = false): PublishError {
  return mayHaveBeenAccepted
    ? new PublishError('1 of 1 records not confirmed within the 3000 ms deadline', 1, ['TimeoutError'], true)
    : new PublishError('1 of 1 records not accepted after 6 attempts', 1, ['ProvisionedThroughputExceededException']);
}

/** The catalogue in memory, with the adapter's version and condition semantics. */
export class InMemoryCatalog implements Catalog {
  public readonly items = new Map<string, CatalogItem>();

  public constructor(items: readonly (Omit<CatalogItem, 'version'> & { version?: number })[] = []) {
    for (const item of items) this.items.set(item.sku, { ...item, version: item.version ?? 1 });
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

  public async putItem(
    item: Pick<CatalogItem, 'sku' | 'available' | 'priceCents'>,
    expected?: ExpectedVersion,
  ): Promise<CatalogWriteResult> {
    const current = this.items.get(item.sku);
    if (expected !== undefined && !holds(expected, current)) {
      return { ok: false, reason: 'PRECONDITION_FAILED', current };
    }
    const written = { ...item, version: (current?.version ?? 0) + 1 };
    this.items.set(item.sku, written);
    return { ok: true, item: written };
  }

  public async adjustAvailable(
    sku: string,
    delta: number,
    options: { readonly maxAvailable: number; readonly expected?: ExpectedVersion },
  ): Promise<CatalogWriteResult> {
    const current = this.items.get(sku);
    if (!current || !holds(options.expected ?? 'EXISTS', current)) {
      return { ok: false, reason: 'PRECONDITION_FAILED', current };
    }
    const available = current.available + delta;
    if (available < 0 || available > options.maxAvailable) return { ok: false, reason: 'OUT_OF_RANGE', current };
    const written = { ...current, available, version: current.version + 1 };
    this.items.set(sku, written);
    return { ok: true, item: written };
  }
}

function holds(expected: ExpectedVersion, current: CatalogItem | undefined): boolean {
  if (expected === 'ABSENT') return current === undefined;
  if (expected === 'EXISTS') return current !== undefined;
  return current?.version === expected.version;
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
 * The Powertools idempotency semantics in memory, keyed on (caller, key): same key + same
 * request -> stored result; other request -> IdempotencyValidationError; running ->
 * AlreadyInProgress; a failed attempt forgets the key. `expire` drops a record, as its TTL would.
 */
export function inMemoryIdempotency(): IdempotentRunner & {
  records: Map<string, { request: string; result?: PlacedOrder }>;
  expire(key: ScopedIdempotencyKey): void;
} {
  const records = new Map<string, { request: string; result?: PlacedOrder }>();
  const run = async (
    scoped: ScopedIdempotencyKey,
    request: PlaceOrderRequest,
    work: () => Promise<PlacedOrder>,
  ): Promise<PlacedOrder> => {
    const key = JSON.stringify([scoped.caller, scoped.idempotencyKey]);
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
  const expire = (scoped: ScopedIdempotencyKey): void => {
    records.delete(JSON.stringify([scoped.caller, scoped.idempotencyKey]));
  };
  return Object.assign(run, { records, expire });
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
    /** `requestContext.authorizer` as API Gateway sets it (e.g. `{ jwt: { claims: { sub } } }`). */
    readonly authorizer?: Record<string, unknown>;
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
      ...(options.authorizer ? { authorizer: options.authorizer } : {}),
    },
  } as APIGatewayProxyEventV2;
}

/** `requestContext.authorizer` of an IAM-authorized request (payload 2.0). */
export function anIamAuthorizer(userArn: string): Record<string, unknown> {
  return {
    iam: {
      accessKey: 'ASIAEXAMPLE',
      accountId: '123456789012',
      callerId: 'AROAEXAMPLE:session',
      cognitoIdentity: null,
      principalOrgId: null,
      userArn,
      userId: 'AROAEXAMPLE:session',
    },
  };
}

/** `requestContext.authorizer` of a JWT-authorized request (payload 2.0). */
export function aJwtAuthorizer(sub: string, iss = 'https://issuer.example.com'): Record<string, unknown> {
  return { jwt: { claims: { sub, iss }, scopes: null } };
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

/** A POST /orders body as a JWT customer sends it: no customerId (the token's subject is the customer). */
export function aCustomerOrderRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { customerId: _, ...body } = anOrderRequest(overrides);
  return body;
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

/**
 * The API's routes on port fakes, as the route-level tests drive them: two SKUs in the catalogue
 * (SKU-A 10 at 1250, SKU-B 3 at 500), a recording publisher, an in-memory read model and idempotency.
 */
export function routedApiOnFakes() {
  const catalog = new InMemoryCatalog([
    { sku: 'SKU-A', available: 10, priceCents: 1250 },
    { sku: 'SKU-B', available: 3, priceCents: 500 },
  ]);
  const publisher = new RecordingPublisher();
  const orders = new InMemoryOrderReadModel();
  const idempotent = inMemoryIdempotency();
  const api = new OrderApi({ catalog, publisher, orders, idempotent });
  const route = createRouter(apiRoutes(api), { error: jest.fn(), warn: jest.fn() });
  return { catalog, publisher, orders, idempotent, api, route };
}
