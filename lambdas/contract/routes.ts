/**
 * Every route of the HTTP API, in one place: the stack creates exactly these routes
 * (lib/constructs/order-api.ts), the API function serves exactly these (./routes.ts must
 * have a handler for each key and no other, or it does not compile), and the stack test
 * checks the template against this table. No CDK import: the Lambda bundle reads it too.
 */

/**
 * Who may call a route: 'customer' routes use the API's user authorizer (AWS_IAM by default,
 * or the JWT authorizer); 'admin' routes stay on AWS_IAM in every mode.
 */
export type RouteAuth = 'customer' | 'admin';

export interface RouteSpec {
  readonly auth: RouteAuth;
}

/** Route key (API Gateway's `METHOD /path`, path parameters in braces) -> its spec. */
export const ROUTE_TABLE = {
  'POST /orders': { auth: 'customer' },
  'GET /orders/{orderId}': { auth: 'customer' },
  'POST /orders/{orderId}/cancel': { auth: 'customer' },
  'GET /inventory/{sku}': { auth: 'customer' },
  'PUT /inventory/{sku}': { auth: 'admin' },
  'POST /inventory/{sku}/adjustments': { auth: 'admin' },
} as const satisfies Readonly<Record<string, RouteSpec>>;

export type RouteKey = keyof typeof ROUTE_TABLE;

/** A route table: the shape of ROUTE_TABLE, for code that derives from any table (the API construct). */
export type RouteTable = Readonly<Record<string, RouteSpec>>;

/** The HTTP methods a route key may start with. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A route key split into its method and path template. */
export function parseRouteKey(routeKey: string): { readonly method: RouteMethod; readonly path: string } {
  const [method, path] = routeKey.split(' ') as [RouteMethod, string];
  return { method, path };
}

/** The route keys of the table, in table order. */
export const ROUTE_KEYS = Object.keys(ROUTE_TABLE) as RouteKey[];
