import { createHash, randomUUID } from 'node:crypto';
import { deterministicEventId, type EventOf, originEvent } from '../contract/envelope';
import { MAX_AVAILABLE } from '../domain/inventory';
import { isCancellableStatus, type OrderStatus, type OrderView } from '../domain/order-status';
import { MAX_ORDER_TOTAL_CENTS, type PricingResult, priceOrder } from '../domain/pricing';
import type { Catalog, CatalogItem, CatalogWriteResult, ExpectedVersion } from '../ports/catalog';
import { type EventPublisher, PublishError } from '../ports/event-publisher';
import type { OrderReadModel } from '../ports/order-read-model';
import type { PlaceOrderDraft, PlaceOrderRequest, PutInventoryRequest } from './schemas';

/** What POST /orders answers. */
export interface PlacedOrder {
  readonly orderId: string;
  readonly status: 'PENDING';
}

/** An Idempotency-Key in the scope of the caller that sent it (see ./caller.ts). */
export interface ScopedIdempotencyKey {
  readonly caller: string;
  readonly idempotencyKey: string;
}

/**
 * Runs `work` at most once per (caller, idempotency key) while the key's record lives: a repeat
 * with the same request gets the stored result, a repeat with a different request is refused,
 * a repeat while the first is still running is refused as in progress. See ./idempotency.ts.
 */
export type IdempotentRunner = (
  key: ScopedIdempotencyKey,
  request: PlaceOrderRequest,
  work: () => Promise<PlacedOrder>,
) => Promise<PlacedOrder>;

/**
 * Who an order use case acts as (derived from the request in ./caller.ts):
 * - a customer (a JWT's subject) places orders only in their own name, and reads and cancels
 *   only their own orders;
 * - a trusted service (IAM callers, the local runtime without auth) acts for any customer and
 *   names it in the request.
 */
export type Viewer = { readonly kind: 'customer'; readonly customerId: string } | { readonly kind: 'service' };

/** A trusted service: no ownership checks. */
export const SERVICE_VIEWER: Viewer = { kind: 'service' };

/** Who places an order, and with which Idempotency-Key if any. */
export interface PlaceOrderContext {
  /** The caller's scope of Idempotency-Keys (./caller.ts). */
  readonly caller: string;
  readonly idempotencyKey?: string;
  /**
   * Who the order is placed as: a customer's orders are placed in their name; SERVICE_VIEWER (a trusted
   * service) names the customer in the request. Required, so a new caller cannot forget ownership.
   */
  readonly viewer: Viewer;
}

/** The condition a stock write (PUT) is made under, from If-Match / If-None-Match. */
export type StockWritePrecondition =
  /** If-Match with this version (or '*': any existing entry). */
  | { readonly ifMatch: number | '*' }
  /** If-None-Match: * : create only. */
  | { readonly ifNoneMatch: '*' }
  /** No precondition header: allowed to create a SKU, refused (428) for an existing one. */
  | 'NONE';

export interface OrderApiDependencies {
  readonly catalog: Catalog;
  readonly publisher: EventPublisher;
  readonly orders: OrderReadModel;
  readonly idempotent: IdempotentRunner;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /**
   * X-Ray trace id of the current request, put in the records the API starts (ORDER_CREATED,
   * ORDER_CANCEL_REQUESTED) so every record of the chain names it.
   * @default () => undefined (no trace id)
   */
  readonly traceId?: () => string | undefined;
}

export class UnknownSkuError extends Error {
  public readonly name = 'UnknownSkuError';
  public constructor(
    /** Each unknown SKU with the index of its first line in the request. */
    public readonly unknown: readonly { readonly sku: string; readonly index: number }[],
  ) {
    super(`unknown SKU(s): ${unknown.map((entry) => entry.sku).join(', ')}`);
  }
}

export class OrderNotFoundError extends Error {
  public readonly name = 'OrderNotFoundError';
  public constructor(public readonly orderId: string) {
    super(`order ${orderId} not found`);
  }
}

/** 403: a customer asked to place an order in another customer's name. */
export class CustomerMismatchError extends Error {
  public readonly name = 'CustomerMismatchError';
  public constructor(
    /** The customerId the request named. */
    public readonly requested: string,
  ) {
    super(`a customer asked to place an order for customer '${requested}'`);
  }
}

/** 400: a service placed an order without naming the customer it acts for. */
export class CustomerIdRequiredError extends Error {
  public readonly name = 'CustomerIdRequiredError';
  public constructor() {
    super('customerId is required: a service caller names the customer it places the order for');
  }
}

export class OrderNotCancellableError extends Error {
  public readonly name = 'OrderNotCancellableError';
  public constructor(
    public readonly orderId: string,
    public readonly status: OrderStatus,
  ) {
    super(`order ${orderId} is ${status} and can no longer be cancelled`);
  }
}

/** 422: the priced total passes MAX_ORDER_TOTAL_CENTS. */
export class OrderTotalTooLargeError extends Error {
  public readonly name = 'OrderTotalTooLargeError';
  public constructor(
    public readonly totalCents: number,
    public readonly maxCents: number,
  ) {
    super(`order total ${totalCents} cents is over the limit of ${maxCents} cents`);
  }
}

/**
 * 503: ORDER_CREATED could not be confirmed on the stream. `mayExist` is true when the put may
 * have been accepted all the same (a timeout, a reset connection): the order may then exist.
 */
export class OrderNotRecordedError extends Error {
  public readonly name = 'OrderNotRecordedError';
  public constructor(
    public readonly orderId: string,
    public readonly mayExist: boolean,
    /** Whether the request carried an Idempotency-Key (a retry with it is then safe). */
    public readonly withIdempotencyKey: boolean,
    public readonly cause: PublishError,
  ) {
    super(`ORDER_CREATED of order ${orderId} not confirmed on the stream: ${cause.message}`);
  }
}

/** 412 (a stale or unmet If-Match / If-None-Match) or 428 (no precondition on an existing SKU). */
export class StockPreconditionError extends Error {
  public readonly name = 'StockPreconditionError';
  public constructor(
    public readonly sku: string,
    public readonly kind: 'FAILED' | 'REQUIRED',
    /** The entry as it is now, undefined when the SKU does not exist. */
    public readonly current: CatalogItem | undefined,
  ) {
    super(kind === 'FAILED' ? `precondition failed for SKU ${sku}` : `SKU ${sku} exists: a precondition is required`);
  }
}

/** 409: an adjustment would take stock below 0 or above MAX_AVAILABLE. */
export class StockOutOfRangeError extends Error {
  public readonly name = 'StockOutOfRangeError';
  public constructor(
    public readonly current: CatalogItem,
    public readonly delta: number,
  ) {
    super(`adjusting SKU ${current.sku} (available ${current.available}) by ${delta} leaves 0..${MAX_AVAILABLE}`);
  }
}

export class SkuNotFoundError extends Error {
  public readonly name = 'SkuNotFoundError';
  public constructor(public readonly sku: string) {
    super(`SKU ${sku} not found`);
  }
}

/** The id of the ORDER_CREATED record of an order, also the correlationId of its whole flow. */
export function orderCreatedEventId(orderId: string): string {
  return deterministicEventId(orderId, 'ORDER_CREATED');
}

/**
 * The ORDER_CREATED record of a priced order: eventId = correlationId = causationId derived from
 * the orderId, so the same order always gives the same eventId. Built here for the API and for
 * the legacy import (lambdas/ops/order-created.ts) alike.
 */
export function orderCreatedEvent(
  orderId: string,
  request: PlaceOrderRequest,
  priced: Extract<PricingResult, { ok: true }>,
  occurredAt: string,
  traceId?: string,
): EventOf<'ORDER_CREATED'> {
  return originEvent({
    eventId: orderCreatedEventId(orderId),
    eventType: 'ORDER_CREATED',
    orderId,
    occurredAt,
    traceId,
    payload: {
      customerId: request.customerId,
      email: request.email,
      items: priced.items,
      totalCents: priced.totalCents,
      currency: priced.currency,
      shippingAddress: request.shippingAddress,
      ...(request.paymentToken !== undefined ? { paymentToken: request.paymentToken } : {}),
    },
  });
}

/**
 * The request as it is placed: the customer resolved from the viewer (a customer's own id; a
 * service's body customerId). Fields in schema order (customerId first) whether or not the body
 * named the customer, so its fingerprint and idempotency hash do not depend on that.
 */
export function effectiveOrderRequest(draft: PlaceOrderDraft, viewer: Viewer): PlaceOrderRequest {
  const { customerId: requested, ...order } = draft;
  if (viewer.kind === 'customer') {
    if (requested !== undefined && requested !== viewer.customerId) throw new CustomerMismatchError(requested);
    return { customerId: viewer.customerId, ...order };
  }
  if (requested === undefined) throw new CustomerIdRequiredError();
  return { customerId: requested, ...order };
}

/** Whether the viewer may see (and so cancel) an order: its customer, or any service. */
export function maySee(viewer: Viewer, order: Pick<OrderView, 'customerId'>): boolean {
  return viewer.kind === 'service' || order.customerId === viewer.customerId;
}

/**
 * The orderId an Idempotency-Key stands for: derived from the caller's scope, the key and a
 * canonical hash of the validated request, so a retry (same caller, key and request) names the
 * same order at any time, even after the key's record expired, while the same key with another
 * request (a reuse after expiry) or from another caller names another order.
 */
export function orderIdForIdempotencyKey(key: ScopedIdempotencyKey, request: PlaceOrderRequest): string {
  return deterministicEventId('orderstream:order', key.caller, key.idempotencyKey, requestFingerprint(request));
}

/** SHA-256 of the request as canonical JSON (object keys sorted), so key order in the body does not matter. */
export function requestFingerprint(request: PlaceOrderRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, field]) => `${JSON.stringify(name)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The use cases behind the HTTP routes. They speak domain (errors above), never HTTP;
 * the router maps results and errors to responses.
 */
export class OrderApi {
  private readonly newId: () => string;
  private readonly now: () => Date;

  public constructor(private readonly deps: OrderApiDependencies) {
    this.newId = deps.newId ?? randomUUID;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Prices the order from the catalogue and puts ORDER_CREATED on the stream. Returns
   * only once the event is on the stream (OrderNotRecordedError otherwise).
   * With an Idempotency-Key the orderId (and so the eventId) is derived from (caller, key,
   * request), so a retry after a 5xx, a timeout or a crash republishes the same event, which
   * consumers deduplicate. A retry answered from the stored result republishes it too when the
   * read model does not know the order yet: that heals an order whose record was lost (at
   * worst a duplicate record with the same eventId).
   * The customer comes from the viewer (effectiveOrderRequest): key, fingerprint and event all use
   * the effective request, so a customer's retry with or without customerId names the same order.
   */
  public async placeOrder(draft: PlaceOrderDraft, context: PlaceOrderContext): Promise<PlacedOrder> {
    const { idempotencyKey, caller, viewer } = context;
    const request = effectiveOrderRequest(draft, viewer);
    if (idempotencyKey === undefined) return this.createOrder(this.newId(), request, false);
    const key = { caller, idempotencyKey };
    const orderId = orderIdForIdempotencyKey(key, request);
    let ran = false;
    const placed = await this.deps.idempotent(key, request, () => {
      ran = true;
      return this.createOrder(orderId, request, true);
    });
    if (!ran && !(await this.deps.orders.get(placed.orderId))) await this.createOrder(placed.orderId, request, true);
    return placed;
  }

  /**
   * The order as the read model shows it. Another customer's order is not found, exactly like an
   * unknown id, so a customer cannot learn which ids exist.
   * @param viewer who asks: a customer sees only its own orders (others answer as unknown); SERVICE_VIEWER any
   */
  public async getOrder(orderId: string, viewer: Viewer): Promise<OrderView> {
    const view = await this.deps.orders.get(orderId);
    if (!view || !maySee(viewer, view)) throw new OrderNotFoundError(orderId);
    return view;
  }

  /**
   * Asks the saga to cancel (ORDER_CANCEL_REQUESTED); the saga decides finally, since
   * the order may ship between this check and the saga seeing the request. Ownership is checked
   * before the status, so another customer's order answers not found, never "not cancellable".
   * @param viewer who asks: a customer sees only its own orders (others answer as unknown); SERVICE_VIEWER any
   */
  public async requestCancellation(orderId: string, viewer: Viewer): Promise<{ orderId: string; status: OrderStatus }> {
    const view = await this.getOrder(orderId, viewer);
    if (!isCancellableStatus(view.status)) throw new OrderNotCancellableError(orderId, view.status);
    const event = originEvent({
      eventId: this.newId(),
      eventType: 'ORDER_CANCEL_REQUESTED',
      orderId,
      correlationId: orderCreatedEventId(orderId),
      occurredAt: this.now().toISOString(),
      traceId: this.deps.traceId?.(),
      payload: { reason: 'CUSTOMER_REQUESTED' },
    });
    await this.deps.publisher.publish([event]);
    return { orderId, status: view.status };
  }

  public async getInventoryItem(sku: string): Promise<CatalogItem> {
    const item = await this.deps.catalog.getItem(sku);
    if (!item) throw new SkuNotFoundError(sku);
    return item;
  }

  /**
   * Sets stock and price of a SKU, conditionally: on the version the client read (If-Match),
   * or create-only (If-None-Match: *, or no header). Without a precondition an existing SKU is
   * refused (428): an unconditional write would erase reservations made since the client read.
   */
  public async putInventoryItem(
    sku: string,
    request: PutInventoryRequest,
    precondition: StockWritePrecondition,
  ): Promise<CatalogItem> {
    const expected: ExpectedVersion =
      precondition === 'NONE' || 'ifNoneMatch' in precondition
        ? 'ABSENT'
        : precondition.ifMatch === '*'
          ? 'EXISTS'
          : { version: precondition.ifMatch };
    const result = await this.deps.catalog.putItem(
      { sku, available: request.available, priceCents: request.priceCents },
      expected,
    );
    if (result.ok) return result.item;
    const kind = precondition === 'NONE' && result.current ? 'REQUIRED' : 'FAILED';
    throw new StockPreconditionError(sku, kind, result.current);
  }

  /**
   * Adds `delta` to a SKU's stock in one conditional write (no read-modify-write, so nothing to
   * race), optionally only at the version the client read (`ifMatch`).
   */
  public async adjustStock(sku: string, delta: number, ifMatch?: number | '*'): Promise<CatalogItem> {
    const expected: ExpectedVersion | undefined =
      ifMatch === undefined ? undefined : ifMatch === '*' ? 'EXISTS' : { version: ifMatch };
    const result: CatalogWriteResult = await this.deps.catalog.adjustAvailable(sku, delta, {
      maxAvailable: MAX_AVAILABLE,
      ...(expected ? { expected } : {}),
    });
    if (result.ok) return result.item;
    if (result.reason === 'OUT_OF_RANGE') throw new StockOutOfRangeError(result.current, delta);
    if (!result.current) throw new SkuNotFoundError(sku);
    throw new StockPreconditionError(sku, 'FAILED', result.current);
  }

  private async createOrder(orderId: string, request: PlaceOrderRequest, withKey: boolean): Promise<PlacedOrder> {
    const prices = await this.deps.catalog.getPrices(request.items.map((line) => line.sku));
    const priced = priceOrder(request.items, prices);
    if (!priced.ok) {
      throw new UnknownSkuError(
        priced.unknownSkus.map((sku) => ({ sku, index: request.items.findIndex((line) => line.sku === sku) })),
      );
    }
    if (priced.totalCents > MAX_ORDER_TOTAL_CENTS)
      throw new OrderTotalTooLargeError(priced.totalCents, MAX_ORDER_TOTAL_CENTS);
    const event = orderCreatedEvent(orderId, request, priced, this.now().toISOString(), this.deps.traceId?.());
    try {
      await this.deps.publisher.publish([event]);
    } catch (error) {
      if (error instanceof PublishError)
        throw new OrderNotRecordedError(orderId, error.mayHaveBeenAccepted, withKey, error);
      throw error;
    }
    return { orderId, status: 'PENDING' };
  }
}
