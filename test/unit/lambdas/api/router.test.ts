import { OrderApi, orderCreatedEventId } from '../../../../lambdas/api/order-api';
import { createRouter } from '../../../../lambdas/api/router';
import { apiRoutes } from '../../../../lambdas/api/routes';
import { EventEnvelopeSchema } from '../../../../lambdas/contract/envelope';
import { EventPayloadSchemas } from '../../../../lambdas/contract/events';
import {
  anHttpEvent,
  anOrderRequest,
  anOrderView,
  aPublishError,
  InMemoryCatalog,
  InMemoryOrderReadModel,
  inMemoryIdempotency,
  RecordingPublisher,
} from '../../../helpers/api-fakes';

function setup() {
  const catalog = new InMemoryCatalog([
    { sku: 'SKU-A', available: 10, priceCents: 1250 },
    { sku: 'SKU-B', available: 3, priceCents: 500 },
  ]);
  const publisher = new RecordingPublisher();
  const orders = new InMemoryOrderReadModel();
  const idempotent = inMemoryIdempotency();
  const log = { error: jest.fn(), warn: jest.fn() };
  const api = new OrderApi({ catalog, publisher, orders, idempotent });
  const route = createRouter(apiRoutes(api), log);
  return { catalog, publisher, orders, idempotent, log, route };
}

function bodyOf(response: { body?: string }): any {
  return JSON.parse(response.body ?? 'null');
}

describe('API router', () => {
  describe('POST /orders', () => {
    it('accepts a valid order with 202, a Location header, and one ORDER_CREATED on the stream', async () => {
      // Prepare
      const { route, publisher } = setup();

      // Act
      const response = await route(anHttpEvent('POST /orders', { body: anOrderRequest() }));

      // Assess
      expect(response.statusCode).toBe(202);
      const body = bodyOf(response);
      expect(body).toEqual({ orderId: expect.any(String), status: 'PENDING' });
      expect(response.headers?.location).toBe(`/orders/${body.orderId}`);
      expect(publisher.published).toHaveLength(1);
      const [event] = publisher.published;
      expect(EventEnvelopeSchema.parse(event)).toBeTruthy();
      expect(event).toMatchObject({
        eventType: 'ORDER_CREATED',
        eventVersion: 1,
        orderId: body.orderId,
        eventId: orderCreatedEventId(body.orderId),
      });
      expect(event!.correlationId).toBe(event!.eventId);
      expect(event!.causationId).toBe(event!.eventId);
      expect(EventPayloadSchemas.ORDER_CREATED.safeParse(event!.payload).success).toBe(true);
    });

    it('prices the order from the catalogue and ignores prices sent by the client', async () => {
      // Prepare
      const { route, publisher } = setup();
      const request = anOrderRequest({
        items: [
          { sku: 'SKU-A', quantity: 2, unitPriceCents: 1 },
          { sku: 'SKU-B', quantity: 1 },
          { sku: 'SKU-A', quantity: 1 },
        ],
        totalCents: 3,
      });

      // Act
      await route(anHttpEvent('POST /orders', { body: request }));

      // Assess
      expect(publisher.published[0]!.payload).toMatchObject({
        items: [
          { sku: 'SKU-A', quantity: 3, unitPriceCents: 1250 },
          { sku: 'SKU-B', quantity: 1, unitPriceCents: 500 },
        ],
        totalCents: 3 * 1250 + 500,
        currency: 'USD',
      });
    });

    it('refuses invalid fields with 400 problem+json naming every failing path', async () => {
      // Prepare
      const { route, publisher } = setup();
      const request = anOrderRequest({
        email: 'not-an-email',
        items: [
          { sku: 'SKU-A', quantity: 0 },
          { sku: 'SKU-B', quantity: 1.5 },
        ],
        shippingAddress: { name: 'Ada', line1: '1 Main', city: 'X', postalCode: '1', country: 'XX' },
      });

      // Act
      const response = await route(anHttpEvent('POST /orders', { body: request }));

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      const problem = bodyOf(response);
      expect(problem).toMatchObject({
        type: 'urn:orderstream:problem:validation-error',
        title: expect.any(String),
        status: 400,
        detail: expect.any(String),
        instance: '/orders',
      });
      expect(problem.errors.map((error: { path: string }) => error.path).sort()).toEqual(
        ['email', 'items.0.quantity', 'items.1.quantity', 'shippingAddress.country'].sort(),
      );
      expect(publisher.published).toHaveLength(0);
    });

    it('refuses an order without lines and a body without required fields with 400', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const noLines = await route(anHttpEvent('POST /orders', { body: anOrderRequest({ items: [] }) }));
      const empty = await route(anHttpEvent('POST /orders', { body: {} }));

      // Assess
      expect(noLines.statusCode).toBe(400);
      expect(bodyOf(noLines).errors).toEqual([{ path: 'items', message: 'an order needs at least one line' }]);
      expect(empty.statusCode).toBe(400);
      expect(bodyOf(empty).errors.map((error: { path: string }) => error.path)).toEqual(
        expect.arrayContaining(['customerId', 'email', 'items', 'shippingAddress']),
      );
    });

    it('answers malformed JSON with 400 malformed-json', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(
        anHttpEvent('POST /orders', { body: '{"customerId": ', headers: { 'content-type': 'application/json' } }),
      );

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).type).toBe('urn:orderstream:problem:malformed-json');
    });

    it('answers a non-JSON content type with 415', async () => {
      // Prepare
      const { route, publisher } = setup();

      // Act
      const response = await route(
        anHttpEvent('POST /orders', {
          body: JSON.stringify(anOrderRequest()),
          headers: { 'content-type': 'text/plain' },
        }),
      );

      // Assess
      expect(response.statusCode).toBe(415);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(bodyOf(response).type).toBe('urn:orderstream:problem:unsupported-media-type');
      expect(publisher.published).toHaveLength(0);
    });

    it('accepts application/json with a charset parameter', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(
        anHttpEvent('POST /orders', {
          body: anOrderRequest(),
          headers: { 'Content-Type': 'application/json; charset=utf-8' },
        }),
      );

      // Assess
      expect(response.statusCode).toBe(202);
    });

    it('answers an unknown SKU with 422 naming it, and publishes nothing', async () => {
      // Prepare
      const { route, publisher } = setup();

      // Act
      const response = await route(
        anHttpEvent('POST /orders', {
          body: anOrderRequest({
            items: [
              { sku: 'SKU-A', quantity: 1 },
              { sku: 'NOPE-1', quantity: 1 },
            ],
          }),
        }),
      );

      // Assess
      expect(response.statusCode).toBe(422);
      const problem = bodyOf(response);
      expect(problem.type).toBe('urn:orderstream:problem:unknown-sku');
      expect(problem.detail).toContain('NOPE-1');
      expect(problem.errors).toEqual([{ path: 'items.1.sku', message: "unknown SKU 'NOPE-1'" }]);
      expect(publisher.published).toHaveLength(0);
    });

    it('answers 503 with Retry-After when the stream does not take the event', async () => {
      // Prepare
      const { route, publisher } = setup();
      publisher.failWith = aPublishError();

      // Act
      const response = await route(anHttpEvent('POST /orders', { body: anOrderRequest() }));

      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('2');
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(bodyOf(response).type).toBe('urn:orderstream:problem:stream-unavailable');
    });

    it('returns the same order for a repeated Idempotency-Key with the same body, publishing once', async () => {
      // Prepare: the read model already shows the order the first request placed
      const { route, publisher, orders } = setup();
      const headers = { 'idempotency-key': 'key-123' };

      // Act
      const first = await route(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));
      orders.views.set(bodyOf(first).orderId, anOrderView({ orderId: bodyOf(first).orderId }));
      const second = await route(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));

      // Assess
      expect(first.statusCode).toBe(202);
      expect(second.statusCode).toBe(202);
      expect(bodyOf(second).orderId).toBe(bodyOf(first).orderId);
      expect(second.headers?.location).toBe(first.headers?.location);
      expect(publisher.published).toHaveLength(1);
    });

    it('refuses a repeated Idempotency-Key with a different body with 422', async () => {
      // Prepare
      const { route, publisher } = setup();
      const headers = { 'idempotency-key': 'key-456' };
      await route(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));

      // Act
      const response = await route(
        anHttpEvent('POST /orders', { body: anOrderRequest({ items: [{ sku: 'SKU-B', quantity: 2 }] }), headers }),
      );

      // Assess
      expect(response.statusCode).toBe(422);
      expect(bodyOf(response).type).toBe('urn:orderstream:problem:idempotency-key-reused');
      expect(publisher.published).toHaveLength(1);
    });

    it('answers 409 with Retry-After while the first request with the same key is in progress', async () => {
      // Prepare
      const { route, idempotent } = setup();
      idempotent.records.set(JSON.stringify(['anonymous', 'key-789']), { request: JSON.stringify(anOrderRequest()) });

      // Act
      const response = await route(
        anHttpEvent('POST /orders', { body: anOrderRequest(), headers: { 'idempotency-key': 'key-789' } }),
      );

      // Assess
      expect(response.statusCode).toBe(409);
      expect(response.headers?.['retry-after']).toBe('1');
      expect(bodyOf(response).type).toBe('urn:orderstream:problem:request-in-progress');
    });

    it('lets a client retry with the same key after a 503', async () => {
      // Prepare
      const { route, publisher } = setup();
      const headers = { 'idempotency-key': 'key-retry' };
      publisher.failWith = aPublishError();
      const failed = await route(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));
      publisher.failWith = undefined;

      // Act
      const retried = await route(anHttpEvent('POST /orders', { body: anOrderRequest(), headers }));

      // Assess
      expect(failed.statusCode).toBe(503);
      expect(retried.statusCode).toBe(202);
      expect(publisher.published).toHaveLength(1);
    });
  });

  describe('GET /orders/{orderId}', () => {
    it('answers the view from the read model with 200', async () => {
      // Prepare
      const { route, orders } = setup();
      orders.views.set('order-1', anOrderView({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' }));

      // Act
      const response = await route(anHttpEvent('GET /orders/{orderId}', { pathParameters: { orderId: 'order-1' } }));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toMatchObject({
        orderId: 'order-1',
        status: 'CANCELLED',
        cancellationReason: 'OUT_OF_STOCK',
        items: [{ sku: 'SKU-A', quantity: 2, unitPriceCents: 1250 }],
        totalCents: 2500,
        currency: 'USD',
        history: [{ status: 'PENDING', at: '2026-01-01T10:00:00.000Z' }],
      });
    });

    it('answers an unknown order with 404 problem', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(anHttpEvent('GET /orders/{orderId}', { pathParameters: { orderId: 'missing' } }));

      // Assess
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response)).toMatchObject({ type: 'urn:orderstream:problem:order-not-found', status: 404 });
    });
  });

  describe('POST /orders/{orderId}/cancel', () => {
    it.each(['PENDING', 'INVENTORY_RESERVED', 'PAYMENT_PROCESSED'] as const)(
      'publishes ORDER_CANCEL_REQUESTED and answers 202 for a %s order',
      async (status) => {
        // Prepare
        const { route, orders, publisher } = setup();
        orders.views.set('order-1', anOrderView({ status }));

        // Act
        const response = await route(
          anHttpEvent('POST /orders/{orderId}/cancel', { pathParameters: { orderId: 'order-1' } }),
        );

        // Assess
        expect(response.statusCode).toBe(202);
        expect(publisher.published).toHaveLength(1);
        expect(publisher.published[0]).toMatchObject({
          eventType: 'ORDER_CANCEL_REQUESTED',
          orderId: 'order-1',
          correlationId: orderCreatedEventId('order-1'),
          payload: { reason: 'CUSTOMER_REQUESTED' },
        });
      },
    );

    it.each(['SHIPPED', 'COMPLETED', 'CANCELLED'] as const)('refuses to cancel a %s order with 409', async (status) => {
      // Prepare
      const { route, orders, publisher } = setup();
      orders.views.set('order-1', anOrderView({ status }));

      // Act
      const response = await route(
        anHttpEvent('POST /orders/{orderId}/cancel', { pathParameters: { orderId: 'order-1' } }),
      );

      // Assess
      expect(response.statusCode).toBe(409);
      expect(bodyOf(response).type).toBe('urn:orderstream:problem:order-not-cancellable');
      expect(publisher.published).toHaveLength(0);
    });

    it('answers 404 for an unknown order', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(
        anHttpEvent('POST /orders/{orderId}/cancel', { pathParameters: { orderId: 'nope' } }),
      );

      // Assess
      expect(response.statusCode).toBe(404);
    });

    it('answers 503 when the cancel request cannot be published', async () => {
      // Prepare
      const { route, orders, publisher } = setup();
      orders.views.set('order-1', anOrderView());
      publisher.failWith = aPublishError();

      // Act
      const response = await route(
        anHttpEvent('POST /orders/{orderId}/cancel', { pathParameters: { orderId: 'order-1' } }),
      );

      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBeDefined();
    });
  });

  describe('inventory routes', () => {
    it('reads stock and price of a SKU', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(anHttpEvent('GET /inventory/{sku}', { pathParameters: { sku: 'SKU-B' } }));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toEqual({ sku: 'SKU-B', available: 3, priceCents: 500 });
    });

    it('answers an unknown SKU with 404', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(anHttpEvent('GET /inventory/{sku}', { pathParameters: { sku: 'NOPE' } }));

      // Assess
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response).type).toBe('urn:orderstream:problem:sku-not-found');
    });

    it('sets stock and price with PUT', async () => {
      // Prepare
      const { route, catalog } = setup();

      // Act
      const response = await route(
        anHttpEvent('PUT /inventory/{sku}', {
          pathParameters: { sku: 'SKU-C' },
          body: { available: 7, priceCents: 999 },
        }),
      );

      // Assess
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toEqual({ sku: 'SKU-C', available: 7, priceCents: 999 });
      expect(await catalog.getItem('SKU-C')).toEqual({ sku: 'SKU-C', available: 7, priceCents: 999, version: 1 });
    });

    it('refuses negative or fractional stock and price with 400', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(
        anHttpEvent('PUT /inventory/{sku}', {
          pathParameters: { sku: 'SKU-C' },
          body: { available: -1, priceCents: 1.5 },
        }),
      );

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).errors.map((error: { path: string }) => error.path)).toEqual(['available', 'priceCents']);
    });
  });

  describe('routing and failures', () => {
    it('answers an unknown route with 404 problem', async () => {
      // Prepare
      const { route } = setup();

      // Act
      const response = await route(anHttpEvent('DELETE /orders/{orderId}', { pathParameters: { orderId: 'x' } }));

      // Assess
      expect(response.statusCode).toBe(404);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
    });

    it('routes a $default event by method and path, decoding path parameters', async () => {
      // Prepare
      const { route, orders } = setup();
      orders.views.set('order 1', anOrderView({ orderId: 'order 1' }));
      const event = anHttpEvent('GET /orders/{orderId}', { path: '/orders/order%201' });

      // Act
      const response = await route({ ...event, routeKey: '$default' });

      // Assess
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response).orderId).toBe('order 1');
    });

    it('answers an unexpected error with 500 that leaks nothing, and logs it', async () => {
      // Prepare
      const { route, catalog, log } = setup();
      catalog.getPrices = async () => {
        throw new Error('secret connection string db://admin:pw@host');
      };

      // Act
      const response = await route(anHttpEvent('POST /orders', { body: anOrderRequest() }), {
        awsRequestId: 'req-xyz',
      });

      // Assess
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain('secret');
      expect(bodyOf(response)).toMatchObject({ status: 500, requestId: 'req-xyz' });
      expect(log.error).toHaveBeenCalledWith('unhandled error', expect.objectContaining({ error: expect.any(Error) }));
    });
  });
});
