import type { RouteKey } from '../contract/routes';
import type { CatalogItem } from '../ports/catalog';
import { callerScope, viewerOf } from './caller';
import {
  entityTag,
  header,
  jsonResponse,
  parseJsonBody,
  validate,
  validationProblem,
  versionPrecondition,
} from './http';
import type { OrderApi, StockWritePrecondition } from './order-api';
import type { RouteHandler } from './router';
import {
  AdjustInventoryRequestSchema,
  CustomerPlaceOrderRequestSchema,
  IdempotencyKeySchema,
  OrderIdParamsSchema,
  PlaceOrderRequestSchema,
  PutInventoryRequestSchema,
  SkuParamsSchema,
} from './schemas';

/**
 * The routes: parse and validate -> use case -> response. Errors are the router's job.
 * One handler per key of the route table (../contract/routes.ts): a missing or extra one does not compile.
 */
export function apiRoutes(api: OrderApi): Readonly<Record<RouteKey, RouteHandler>> {
  return {
    'POST /orders': async ({ event }) => {
      const viewer = viewerOf(event);
      // A customer's token names the customer (customerId optional); a service must name it.
      const schema = viewer.kind === 'customer' ? CustomerPlaceOrderRequestSchema : PlaceOrderRequestSchema;
      const request = parseJsonBody(event, schema);
      const idempotencyKey = validate(IdempotencyKeySchema, header(event, 'idempotency-key'));
      const placed = await api.placeOrder(request, { caller: callerScope(event), idempotencyKey, viewer });
      return jsonResponse(202, placed, { location: `/orders/${encodeURIComponent(placed.orderId)}` });
    },
    'GET /orders/{orderId}': async ({ event, params }) => {
      const viewer = viewerOf(event);
      const { orderId } = validate(OrderIdParamsSchema, params);
      const view = await api.getOrder(orderId, viewer);
      return jsonResponse(200, {
        orderId: view.orderId,
        status: view.status,
        customerId: view.customerId,
        email: view.email,
        items: view.items,
        totalCents: view.totalCents,
        currency: view.currency,
        ...(view.cancellationReason !== undefined ? { cancellationReason: view.cancellationReason } : {}),
        history: view.history,
      });
    },
    'POST /orders/{orderId}/cancel': async ({ event, params }) => {
      const viewer = viewerOf(event);
      const { orderId } = validate(OrderIdParamsSchema, params);
      const accepted = await api.requestCancellation(orderId, viewer);
      return jsonResponse(
        202,
        { orderId: accepted.orderId, status: accepted.status, cancellation: 'REQUESTED' },
        { location: `/orders/${encodeURIComponent(orderId)}` },
      );
    },
    'GET /inventory/{sku}': async ({ params }) => {
      const { sku } = validate(SkuParamsSchema, params);
      return stockResponse(await api.getInventoryItem(sku));
    },
    'PUT /inventory/{sku}': async ({ event, params }) => {
      const { sku } = validate(SkuParamsSchema, params);
      const request = parseJsonBody(event, PutInventoryRequestSchema);
      return stockResponse(await api.putInventoryItem(sku, request, writePrecondition(event)));
    },
    'POST /inventory/{sku}/adjustments': async ({ event, params }) => {
      const { sku } = validate(SkuParamsSchema, params);
      const { delta } = parseJsonBody(event, AdjustInventoryRequestSchema);
      return stockResponse(await api.adjustStock(sku, delta, versionPrecondition(event, 'if-match')));
    },
  };
}

/** A SKU's stock and price; its version travels as the ETag (send it back in If-Match). */
function stockResponse(item: CatalogItem) {
  return jsonResponse(
    200,
    { sku: item.sku, available: item.available, priceCents: item.priceCents },
    { etag: entityTag(item.version) },
  );
}

function writePrecondition(event: Parameters<typeof header>[0]): StockWritePrecondition {
  const ifMatch = versionPrecondition(event, 'if-match');
  if (ifMatch !== undefined) return { ifMatch };
  const ifNoneMatch = versionPrecondition(event, 'if-none-match');
  if (ifNoneMatch === undefined) return 'NONE';
  if (ifNoneMatch !== '*') {
    throw validationProblem(
      [{ path: 'headers.if-none-match', message: 'only If-None-Match: * (create only) is supported' }],
      'If-None-Match must be *',
    );
  }
  return { ifNoneMatch: '*' };
}
