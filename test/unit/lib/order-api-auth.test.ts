import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ROUTE_TABLE } from '../../../lambdas/contract/routes';
import { invokeResourcePath, OrderHttpApi, type OrderHttpApiProps } from '../../../lib/constructs/order-api';
import { asArray, resourcesOfType, unacknowledgedNagFindings } from './template-helpers';

/** Authorization settings of OrderHttpApi: route scopes, the local issuer, the invoke policies. */
function apiStack(props: Omit<OrderHttpApiProps, 'handler'> = {}): { stack: Stack; template: Template } {
  const stack = new Stack(new App(), 'Test');
  const handler = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  new OrderHttpApi(stack, 'Api', { handler, ...props });
  return { stack, template: Template.fromStack(stack) };
}

const JWT = { auth: 'JWT', jwtIssuer: 'https://issuer.example.com', jwtAudience: ['orderstream'] } as const;

describe('OrderHttpApi route scopes (JWT)', () => {
  it('sets AuthorizationScopes on the routes given and on no other', () => {
    const { template } = apiStack({ ...JWT, routeScopes: { 'POST /orders': ['orders/write'] } });

    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    const scoped = routes.filter((route) => route.Properties.AuthorizationScopes !== undefined);
    expect(scoped.map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationScopes])).toEqual([
      ['POST /orders', ['orders/write']],
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', ['orders/write'], /routeScopes must be an object of route key -> list of scopes/],
    [
      'an unknown route key',
      { 'DELETE /orders': ['x'] },
      /unknown route 'DELETE \/orders'; the routes are POST \/orders/,
    ],
    ['an admin route', { 'PUT /inventory/{sku}': ['x'] }, /'PUT \/inventory\/\{sku\}' is an admin route/],
    ['a non-string scope', { 'POST /orders': [42] }, /scope 42 of 'POST \/orders' is not a string/],
    ['an empty scope list', { 'POST /orders': [] }, /must be a non-empty list/],
    ['a scope with a space', { 'POST /orders': ['orders write'] }, /'orders write' of 'POST \/orders' is not a scope/],
  ])('refuses %s', (_, routeScopes, message) => {
    expect(() => apiStack({ ...JWT, routeScopes: routeScopes as never })).toThrow(message);
  });

  it('refuses scopes without auth JWT', () => {
    expect(() => apiStack({ routeScopes: { 'POST /orders': ['orders/write'] } })).toThrow(
      /routeScopes are only valid with auth 'JWT'/,
    );
  });
});

describe('OrderHttpApi JWT issuer', () => {
  it.each(['http://127.0.0.1:4100', 'http://localhost:4100/'])(
    'accepts the loopback issuer %s with allowLoopbackIssuer (the local runtime)',
    (issuer) => {
      const { template } = apiStack({ ...JWT, jwtIssuer: issuer, allowLoopbackIssuer: true });

      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { JwtConfiguration: { Issuer: issuer } });
    },
  );

  it('refuses a loopback issuer without allowLoopbackIssuer, saying AWS cannot reach it', () => {
    expect(() => apiStack({ ...JWT, jwtIssuer: 'http://127.0.0.1:4100' })).toThrow(
      /loopback http:\/\/ issuer.*API Gateway on AWS cannot reach it: use an https:\/\/ issuer/,
    );
  });

  it.each(['http://issuer.example.com', 'http://127.0.0.1.example.com', 'ftp://localhost'])(
    'keeps the https:// requirement for %s even with allowLoopbackIssuer',
    (issuer) => {
      expect(() => apiStack({ ...JWT, jwtIssuer: issuer, allowLoopbackIssuer: true })).toThrow(
        /needs jwtIssuer, an https:\/\/ URL/,
      );
    },
  );
});

describe('OrderHttpApi invoke policies follow the route table', () => {
  /** Builds the API on a route table with `extra` routes, as if they were added to lambdas/contract/routes.ts. */
  function withRoutes(extra: Record<string, { auth: 'customer' | 'admin' }>, auth: 'IAM' | 'JWT' = 'IAM') {
    const { stack, template } = apiStack({ routeTable: { ...ROUTE_TABLE, ...extra }, ...(auth === 'JWT' ? JWT : {}) });
    const findings = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.filter((violation) => violation.ruleName.startsWith('AwsSolutions-IAM5'))
      .map((violation) => violation.ruleName);
    return { template, findings };
  }

  /** The route paths (`/$default/GET/orders/*`) a policy of the template grants, by its construct id. */
  function grantedPaths(template: Template, constructId: string): string[] {
    const [policy] = Object.entries(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))
      .filter(([logicalId]) => logicalId.includes(constructId))
      .map(([, resource]) => resource);
    if (!policy) return [];
    return asArray<any>(policy.Properties.PolicyDocument.Statement)
      .flatMap((statement) => asArray<any>(statement.Resource))
      .map((arn) => arn['Fn::Join'][1].at(-1) as string)
      .sort();
  }

  const expectedPaths = (table: Record<string, { auth: string }>, auth: string): string[] =>
    Object.entries(table)
      .filter(([, spec]) => spec.auth === auth)
      .map(([routeKey]) => {
        const [method, path] = routeKey.split(' ') as [string, string];
        return `/$default/${method}${path.replace(/\{[^}/]+\}/g, '*')}`;
      })
      .sort();

  it('grants a route added to the table in the policy of its auth, acknowledged, without other edits', () => {
    // Prepare
    const extra = {
      'GET /orders/{orderId}/invoice': { auth: 'customer' },
      'DELETE /inventory/{sku}': { auth: 'admin' },
    } as const;

    // Act
    const { template, findings } = withRoutes(extra);

    // Assess
    const table = { ...ROUTE_TABLE, ...extra };
    expect(grantedPaths(template, 'CustomerRoutesInvokePolicy')).toEqual(expectedPaths(table, 'customer'));
    expect(grantedPaths(template, 'AdminRoutesInvokePolicy')).toEqual(expectedPaths(table, 'admin'));
    expect(grantedPaths(template, 'CustomerRoutesInvokePolicy')).toContain('/$default/GET/orders/*/invoice');
    expect(grantedPaths(template, 'AdminRoutesInvokePolicy')).toContain('/$default/DELETE/inventory/*');
    expect(findings).toEqual([]);
  });

  it('creates no customer-routes policy in JWT mode, the admin one still', () => {
    const { template } = apiStack(JWT);

    expect(grantedPaths(template, 'CustomerRoutesInvokePolicy')).toEqual([]);
    expect(grantedPaths(template, 'AdminRoutesInvokePolicy')).toEqual(expectedPaths(ROUTE_TABLE, 'admin'));
  });

  it("refuses a table in which a customer route's pattern would also allow an admin route", () => {
    expect(() =>
      withRoutes({ 'GET /reports/{id}': { auth: 'customer' }, 'GET /reports/{id}/raw': { auth: 'admin' } }),
    ).toThrow(/pattern 'GET\/reports\/\*' would also allow the admin route 'GET \/reports\/\{id\}\/raw'/);
  });

  it('acknowledges exactly the wildcard route ARNs for cdk-nag (the default table)', () => {
    const { stack } = apiStack();

    expect(unacknowledgedNagFindings(stack).filter((finding) => finding.includes('IAM5'))).toEqual([]);
    expect(invokeResourcePath('POST /orders/{orderId}/cancel')).toBe('POST/orders/*/cancel');
    expect(invokeResourcePath('POST /orders')).toBe('POST/orders');
  });
});
