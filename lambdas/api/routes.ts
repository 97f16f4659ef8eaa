import { header, jsonResponse, parseJsonBody, validate } from '../shared/http';
import type { OrderApi } from './order-api';
import type { Routes } from './router';
import {
  IdempotencyKeySchema,
  OrderIdParamsSchema,
  PlaceOrderRequestSchema,
  PutInventoryRequestSchema,
  SkuParamsSchema,
} from './schemas';

/** The five routes: parse and validate -> use case -> response. Errors are the router's job. */
export function apiRoutes(api: OrderApi): Routes {
  return {
    'POST /orders': async ({ event }) => {
      const request = parseJsonBody(event, PlaceOrderRequestSchema);
      const idempotencyKey = validate(IdempotencyKeySchema, header(event, 'idempotency-key'));
      const placed = await api.placeOrder(request, idempotencyKey);
      return jsonResponse(202, placed, { location: `/orders/${encodeURIComponent(placed.orderId)}` });
    },
    'GET /orders/{orderId}': async ({ params }) => {
      const { orderId } = validate(OrderIdParamsSchema, params);
      const view = await api.getOrder(orderId);
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
    'POST /orders/{orderId}/cancel': async ({ params }) => {
      const { orderId } = validate(OrderIdParamsSchema, params);
      const accepted = await api.requestCancellation(orderId);
      return jsonResponse(
        202,
        { orderId: accepted.orderId, status: accepted.status, cancellation: 'REQUESTED' },
        { location: `/orders/${encodeURIComponent(orderId)}` },
      );
    },
    'GET /inventory/{sku}': async ({ params }) => {
      const { sku } = validate(SkuParamsSchema, params);
      return jsonResponse(200, await api.getInventoryItem(sku));
    },
    'PUT /inventory/{sku}': async ({ event, params }) => {
      const { sku } = validate(SkuParamsSchema, params);
      const request = parseJsonBody(event, PutInventoryRequestSchema);
      return jsonResponse(200, await api.putInventoryItem(sku, request));
    },
  };
}
