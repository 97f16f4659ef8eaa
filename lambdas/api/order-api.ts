import { randomUUID } from 'node:crypto';
import type { EventPayload } from '../domain/events';
import { isCancellableStatus, type OrderStatus, type OrderView } from '../domain/order-status';
import { priceOrder } from '../domain/pricing';
import type { Catalog, CatalogItem } from '../ports/catalog';
import type { EventPublisher } from '../ports/event-publisher';
import type { OrderReadModel } from '../ports/order-read-model';
import { deterministicEventId, type EventEnvelope } from '../shared/envelope';
import type { PlaceOrderRequest, PutInventoryRequest } from './schemas';

/** What POST /orders answers. */
export interface PlacedOrder {
  readonly orderId: string;
  readonly status: 'PENDING';
}

/**
 * Runs `work` at most once per idempotency key: a repeat with the same request gets the
 * stored result, a repeat with a different request is refused, a repeat while the first
 * is still running is refused as in progress. See ./idempotency.ts.
 */
export type IdempotentRunner = (
  idempotencyKey: string,
  request: PlaceOrderRequest,
  work: () => Promise<PlacedOrder>,
) => Promise<PlacedOrder>;

export interface OrderApiDependencies {
  readonly catalog: Catalog;
  readonly publisher: EventPublisher;
  readonly orders: OrderReadModel;
  readonly idempotent: IdempotentRunner;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
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

export class OrderNotCancellableError extends Error {
  public readonly name = 'OrderNotCancellableError';
  public constructor(
    public readonly orderId: string,
    public readonly status: OrderStatus,
  ) {
    super(`order ${orderId} is ${status} and can no longer be cancelled`);
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

/** The orderId an Idempotency-Key stands for: a retried request names the same order. */
export function orderIdForIdempotencyKey(idempotencyKey: string): string {
  return deterministicEventId('orderstream:idempotency-key', idempotencyKey);
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
   * only once the event is on the stream (the publisher throws PublishError otherwise).
   * With an idempotency key the orderId (and so the eventId) is derived from the key,
   * so even a retry after a crash between publish and bookkeeping republishes the same
   * event, which consumers deduplicate.
   */
  public async placeOrder(request: PlaceOrderRequest, idempotencyKey?: string): Promise<PlacedOrder> {
    if (idempotencyKey === undefined) return this.createOrder(this.newId(), request);
    const orderId = orderIdForIdempotencyKey(idempotencyKey);
    return this.deps.idempotent(idempotencyKey, request, () => this.createOrder(orderId, request));
  }

  public async getOrder(orderId: string): Promise<OrderView> {
    const view = await this.deps.orders.get(orderId);
    if (!view) throw new OrderNotFoundError(orderId);
    return view;
  }

  /**
   * Asks the saga to cancel (ORDER_CANCEL_REQUESTED); the saga decides finally, since
   * the order may ship between this check and the saga seeing the request.
   */
  public async requestCancellation(orderId: string): Promise<{ orderId: string; status: OrderStatus }> {
    const view = await this.getOrder(orderId);
    if (!isCancellableStatus(view.status)) throw new OrderNotCancellableError(orderId, view.status);
    const eventId = this.newId();
    const event: EventEnvelope<EventPayload<'ORDER_CANCEL_REQUESTED'>> = {
      eventId,
      eventType: 'ORDER_CANCEL_REQUESTED',
      eventVersion: 1,
      occurredAt: this.now().toISOString(),
      orderId,
      correlationId: orderCreatedEventId(orderId),
      causationId: eventId,
      payload: { reason: 'CUSTOMER_REQUESTED' },
    };
    await this.deps.publisher.publish([event]);
    return { orderId, status: view.status };
  }

  public async getInventoryItem(sku: string): Promise<CatalogItem> {
    const item = await this.deps.catalog.getItem(sku);
    if (!item) throw new SkuNotFoundError(sku);
    return item;
  }

  public async putInventoryItem(sku: string, request: PutInventoryRequest): Promise<CatalogItem> {
    return this.deps.catalog.putItem({ sku, available: request.available, priceCents: request.priceCents });
  }

  private async createOrder(orderId: string, request: PlaceOrderRequest): Promise<PlacedOrder> {
    const prices = await this.deps.catalog.getPrices(request.items.map((line) => line.sku));
    const priced = priceOrder(request.items, prices);
    if (!priced.ok) {
      throw new UnknownSkuError(
        priced.unknownSkus.map((sku) => ({ sku, index: request.items.findIndex((line) => line.sku === sku) })),
      );
    }
    const eventId = orderCreatedEventId(orderId);
    const event: EventEnvelope<EventPayload<'ORDER_CREATED'>> = {
      eventId,
      eventType: 'ORDER_CREATED',
      eventVersion: 1,
      occurredAt: this.now().toISOString(),
      orderId,
      correlationId: eventId,
      causationId: eventId,
      payload: {
        customerId: request.customerId,
        email: request.email,
        items: priced.items,
        totalCents: priced.totalCents,
        currency: priced.currency,
        shippingAddress: request.shippingAddress,
        ...(request.paymentToken !== undefined ? { paymentToken: request.paymentToken } : {}),
      },
    };
    await this.deps.publisher.publish([event]);
    return { orderId, status: 'PENDING' };
  }
}
