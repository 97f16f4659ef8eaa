import { CustomerIdRequiredError, orderIdForIdempotencyKey, SERVICE_VIEWER } from '../../../../lambdas/api/order-api';
import { toProblem } from '../../../../lambdas/api/problems';
import { PlaceOrderRequestSchema } from '../../../../lambdas/api/schemas';
import type { OrderStatus } from '../../../../lambdas/domain/order-status';
import {
  aCustomerOrderRequest,
  aJwtAuthorizer,
  anHttpEvent,
  anIamAuthorizer,
  anOrderRequest,
  anOrderView,
  routedApiOnFakes,
} from '../../../helpers/api-fakes';

/**
 * Issue 16, ownership (OWASP API1/API3), at the router with port fakes: in JWT mode the token's
 * subject is the customer (places orders only in its own name, sees and cancels only its own
 * orders, another's answered exactly as an unknown id); IAM callers and the local runtime
 * without auth are trusted services acting for any customer.
 */
function setup() {
  const { api, publisher, orders, route } = routedApiOnFakes();
  return { api, publisher, orders, route };
}

const bodyOf = (response: { body?: string }): any => JSON.parse(response.body ?? 'null');
const ADA = aJwtAuthorizer('ada');
/** A client-credentials token: client_id, no sub (claims arrive as strings). */
const CLIENT_CREDENTIALS = {
  jwt: { claims: { iss: 'https://issuer.example.com', client_id: 'storefront', scope: 'orders/write' }, scopes: null },
};

type OrderRoute = 'GET /orders/{orderId}' | 'POST /orders/{orderId}/cancel';
const onOrder = (routeKey: OrderRoute, orderId: string, authorizer?: Record<string, unknown>) =>
  anHttpEvent(routeKey, { pathParameters: { orderId }, ...(authorizer ? { authorizer } : {}) });

describe('order ownership, JWT mode (the token subject is the customer)', () => {
  it('places the order for the subject when the body leaves customerId out', async () => {
    // Prepare
    const { route, publisher } = setup();

    // Act
    const response = await route(anHttpEvent('POST /orders', { body: aCustomerOrderRequest(), authorizer: ADA }));

    // Assess
    expect(response.statusCode).toBe(202);
    const [created] = publisher.ofType('ORDER_CREATED');
    expect(created?.orderId).toBe(bodyOf(response).orderId);
    expect(created?.payload).toMatchObject({ customerId: 'ada' });
  });

  it('accepts a body customerId that is the subject', async () => {
    // Prepare
    const { route, publisher } = setup();

    // Act
    const response = await route(
      anHttpEvent('POST /orders', { body: anOrderRequest({ customerId: 'ada' }), authorizer: ADA }),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    expect(publisher.ofType('ORDER_CREATED')[0]?.payload).toMatchObject({ customerId: 'ada' });
  });

  it("refuses an order in another customer's name with 403 customer-mismatch and publishes nothing", async () => {
    // Prepare
    const { route, publisher } = setup();

    // Act
    const response = await route(
      anHttpEvent('POST /orders', { body: anOrderRequest({ customerId: 'bob' }), authorizer: ADA }),
    );

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(response)).toMatchObject({
      type: 'urn:orderstream:problem:customer-mismatch',
      title: 'Customer mismatch',
      status: 403,
      detail: expect.stringContaining("customerId 'bob'"),
      instance: '/orders',
      errors: [{ path: 'customerId', message: expect.any(String) }],
    });
    expect(publisher.published).toHaveLength(0);
  });

  it('names the same order for a retry with the same Idempotency-Key with or without the body customerId', async () => {
    // Prepare
    const { route, publisher, orders } = setup();
    const headers = { 'idempotency-key': 'key-own' };

    // Act
    const without = await route(
      anHttpEvent('POST /orders', { body: aCustomerOrderRequest(), headers, authorizer: ADA }),
    );
    orders.views.set(bodyOf(without).orderId, anOrderView({ orderId: bodyOf(without).orderId, customerId: 'ada' }));
    const withId = await route(
      anHttpEvent('POST /orders', { body: anOrderRequest({ customerId: 'ada' }), headers, authorizer: ADA }),
    );

    // Assess: the stored result answers the retry (the fake compares the requests byte for byte)
    expect([without.statusCode, withId.statusCode]).toEqual([202, 202]);
    expect(bodyOf(withId).orderId).toBe(bodyOf(without).orderId);
    expect(bodyOf(without).orderId).toBe(
      orderIdForIdempotencyKey(
        { caller: 'jwt:https://issuer.example.com|ada', idempotencyKey: 'key-own' },
        PlaceOrderRequestSchema.parse(anOrderRequest({ customerId: 'ada' })),
      ),
    );
    expect(publisher.ofType('ORDER_CREATED')).toHaveLength(1);
  });

  it.each<[OrderRoute, OrderStatus]>([
    ['GET /orders/{orderId}', 'PENDING'],
    ['POST /orders/{orderId}/cancel', 'PENDING'],
    // ownership comes before the status: a shipped order of another customer is not "not cancellable"
    ['POST /orders/{orderId}/cancel', 'SHIPPED'],
  ])("answers %s of another customer's %s order exactly as an unknown id", async (routeKey, status) => {
    // Prepare: the same id, once owned by bob, once unknown
    const owned = setup();
    owned.orders.views.set('order-bob', anOrderView({ orderId: 'order-bob', customerId: 'bob', status }));
    const empty = setup();

    // Act
    const othersOrder = await owned.route(onOrder(routeKey, 'order-bob', ADA));
    const unknownOrder = await empty.route(onOrder(routeKey, 'order-bob', ADA));

    // Assess: status, headers and body identical; nothing published
    expect(othersOrder.statusCode).toBe(404);
    expect(bodyOf(othersOrder).type).toBe('urn:orderstream:problem:order-not-found');
    expect(othersOrder).toEqual(unknownOrder);
    expect(othersOrder.body).toBe(unknownOrder.body);
    expect(owned.publisher.published).toHaveLength(0);
  });

  it('lets the customer read and cancel their own order', async () => {
    // Prepare
    const { route, orders, publisher } = setup();
    orders.views.set('order-ada', anOrderView({ orderId: 'order-ada', customerId: 'ada' }));

    // Act
    const read = await route(onOrder('GET /orders/{orderId}', 'order-ada', ADA));
    const cancel = await route(onOrder('POST /orders/{orderId}/cancel', 'order-ada', ADA));

    // Assess
    expect(read.statusCode).toBe(200);
    expect(bodyOf(read)).toMatchObject({ orderId: 'order-ada', customerId: 'ada' });
    expect(cancel.statusCode).toBe(202);
    expect(publisher.ofType('ORDER_CANCEL_REQUESTED').map((event) => event.orderId)).toEqual(['order-ada']);
  });

  it.each([
    ['POST /orders', anHttpEvent('POST /orders', { body: anOrderRequest(), authorizer: CLIENT_CREDENTIALS })],
    ['GET /orders/{orderId}', onOrder('GET /orders/{orderId}', 'order-1', CLIENT_CREDENTIALS)],
    ['POST /orders/{orderId}/cancel', onOrder('POST /orders/{orderId}/cancel', 'order-1', CLIENT_CREDENTIALS)],
  ])('refuses %s with a token without sub (client credentials) with 403 saying why', async (_, event) => {
    // Prepare
    const { route, orders, publisher } = setup();
    orders.views.set('order-1', anOrderView({ orderId: 'order-1' }));

    // Act
    const response = await route(event);

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(response).detail).toMatch(/no subject \(sub claim\)/);
    expect(publisher.published).toHaveLength(0);
  });

  it('still lets a token without sub read the catalogue (GET /inventory/{sku} acts for no customer)', async () => {
    const { route } = setup();

    const response = await route(
      anHttpEvent('GET /inventory/{sku}', { pathParameters: { sku: 'SKU-A' }, authorizer: CLIENT_CREDENTIALS }),
    );

    expect(response.statusCode).toBe(200);
  });
});

describe.each([
  ['IAM callers', anIamAuthorizer('arn:aws:iam::123456789012:role/storefront')],
  ['no authorizer (local runtime --no-auth)', undefined],
])('order ownership, %s (trusted services acting for customers)', (_, authorizer) => {
  const as = authorizer ? { authorizer } : {};

  it('take customerId from the body', async () => {
    const { route, publisher } = setup();

    const response = await route(anHttpEvent('POST /orders', { body: anOrderRequest({ customerId: 'bob' }), ...as }));

    expect(response.statusCode).toBe(202);
    expect(publisher.ofType('ORDER_CREATED')[0]?.payload).toMatchObject({ customerId: 'bob' });
  });

  it('must name the customer: 400 validation error on customerId when the body leaves it out', async () => {
    const { route, publisher } = setup();

    const response = await route(anHttpEvent('POST /orders', { body: aCustomerOrderRequest(), ...as }));

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      type: 'urn:orderstream:problem:validation-error',
      errors: [{ path: 'customerId', message: expect.any(String) }],
    });
    expect(publisher.published).toHaveLength(0);
  });

  it("read and cancel any customer's order", async () => {
    const { route, orders, publisher } = setup();
    orders.views.set('order-bob', anOrderView({ orderId: 'order-bob', customerId: 'bob' }));

    const read = await route(onOrder('GET /orders/{orderId}', 'order-bob', authorizer));
    const cancel = await route(onOrder('POST /orders/{orderId}/cancel', 'order-bob', authorizer));

    expect(read.statusCode).toBe(200);
    expect(bodyOf(read).customerId).toBe('bob');
    expect(cancel.statusCode).toBe(202);
    expect(publisher.ofType('ORDER_CANCEL_REQUESTED')).toHaveLength(1);
  });
});

describe('OrderApi ownership (no HTTP)', () => {
  it('refuses a service order without a customer, which the router answers as a 400 on customerId', async () => {
    const { api, publisher } = setup();

    const placing = api.placeOrder(aCustomerOrderRequest() as never, { caller: 'c', viewer: SERVICE_VIEWER });

    await expect(placing).rejects.toBeInstanceOf(CustomerIdRequiredError);
    expect(toProblem(new CustomerIdRequiredError())).toMatchObject({
      status: 400,
      errors: [{ path: 'customerId', message: expect.any(String) }],
    });
    expect(publisher.published).toHaveLength(0);
  });

  it("hides another customer's order from getOrder as not found", async () => {
    const { api, orders } = setup();
    orders.views.set('order-bob', anOrderView({ orderId: 'order-bob', customerId: 'bob' }));

    await expect(api.getOrder('order-bob', { kind: 'customer', customerId: 'ada' })).rejects.toMatchObject({
      name: 'OrderNotFoundError',
      orderId: 'order-bob',
    });
    await expect(api.getOrder('order-bob', { kind: 'customer', customerId: 'bob' })).resolves.toMatchObject({
      customerId: 'bob',
    });
  });
});
