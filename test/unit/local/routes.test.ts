import { matchRoute, parseRoute } from '../../../local/routes';

const routes = [
  parseRoute('POST /orders', 'arn:fn:api'),
  parseRoute('GET /orders/{orderId}', 'arn:fn:api'),
  parseRoute('GET /orders/special', 'arn:fn:special'),
  parseRoute('ANY /orders/{orderId}', 'arn:fn:any'),
  parseRoute('POST /orders/{orderId}/cancel', 'arn:fn:api'),
  parseRoute('GET /files/{proxy+}', 'arn:fn:files'),
];

describe('matchRoute', () => {
  it('extracts path parameters of the matching route', () => {
    const match = matchRoute(routes, 'GET', '/orders/o-42');

    expect(match?.route.routeKey).toBe('GET /orders/{orderId}');
    expect(match?.pathParameters).toEqual({ orderId: 'o-42' });
  });

  it('prefers a literal segment over a path parameter', () => {
    expect(matchRoute(routes, 'GET', '/orders/special')?.route.routeKey).toBe('GET /orders/special');
  });

  it('prefers an explicit method over ANY, and falls back to ANY for other methods', () => {
    expect(matchRoute(routes, 'GET', '/orders/o-1')?.route.routeKey).toBe('GET /orders/{orderId}');
    expect(matchRoute(routes, 'DELETE', '/orders/o-1')?.route.routeKey).toBe('ANY /orders/{orderId}');
  });

  it('matches a greedy {proxy+} parameter over several segments', () => {
    expect(matchRoute(routes, 'GET', '/files/a/b/c.txt')?.pathParameters).toEqual({ proxy: 'a/b/c.txt' });
  });

  it('decodes percent-encoded path parameters', () => {
    expect(matchRoute(routes, 'POST', '/orders/a%20b/cancel')?.pathParameters).toEqual({ orderId: 'a b' });
  });

  it('returns undefined when nothing matches and there is no $default route', () => {
    expect(matchRoute(routes, 'GET', '/nope')).toBeUndefined();
    expect(matchRoute(routes, 'PUT', '/orders')).toBeUndefined();
  });

  it('uses the $default route when no other route matches', () => {
    const withDefault = [...routes, parseRoute('$default', 'arn:fn:default')];

    expect(matchRoute(withDefault, 'GET', '/nope')?.route.functionArn).toBe('arn:fn:default');
  });
});
