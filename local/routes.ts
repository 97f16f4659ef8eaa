import type { LocalTemplate } from './template';

/**
 * The routes of the template's HTTP API (AWS::ApiGatewayV2::Route -> Integration -> function)
 * and API Gateway's route matching: most specific path first (literal segments over {param},
 * {param} over {proxy+}), an explicit method over ANY, `$default` last.
 */

export interface HttpRoute {
  readonly routeKey: string;
  /** Upper-case method, or 'ANY'; undefined for `$default`. */
  readonly method?: string;
  readonly segments: readonly string[];
  /** Function ARN of the AWS_PROXY integration. */
  readonly functionArn: string;
  readonly payloadFormatVersion: string;
  /** The route's authorization (AuthorizationType, its JWT authorizer, AuthorizationScopes). @default NONE */
  readonly authorization?: RouteAuthorization;
}

/** How API Gateway authorizes a route. */
export type RouteAuthorization =
  | { readonly type: 'NONE' }
  | { readonly type: 'AWS_IAM' }
  | {
      readonly type: 'JWT';
      readonly issuer: string;
      readonly audience: readonly string[];
      /** The route's AuthorizationScopes: a token needs one of them. */
      readonly scopes: readonly string[];
    };

export interface RouteMatch {
  readonly route: HttpRoute;
  readonly pathParameters: Record<string, string>;
}

export interface HttpApiDefinition {
  readonly apiId: string;
  readonly routes: readonly HttpRoute[];
}

export function httpApiDefinition(template: LocalTemplate): HttpApiDefinition | undefined {
  const apis = template.resourcesOfType('AWS::ApiGatewayV2::Api');
  const [api] = apis;
  if (api === undefined) return undefined;
  const apiLogicalId = api.logicalId;
  const apiId = template.ref(apiLogicalId);
  const integrations = new Map(
    template
      .resourcesOfType('AWS::ApiGatewayV2::Integration')
      .map(({ logicalId, resource }) => [
        template.ref(logicalId),
        template.resolve(resource.Properties ?? {}) as Record<string, unknown>,
      ]),
  );
  const authorizers = new Map(
    template
      .resourcesOfType('AWS::ApiGatewayV2::Authorizer')
      .map(({ logicalId, resource }) => [
        template.ref(logicalId),
        template.resolve(resource.Properties ?? {}) as Record<string, unknown>,
      ]),
  );
  const routes: HttpRoute[] = [];
  for (const { logicalId, resource } of template.resourcesOfType('AWS::ApiGatewayV2::Route')) {
    const props = template.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (props.ApiId !== apiId) continue;
    const target = String(props.Target ?? '');
    const integration = integrations.get(target.replace(/^integrations\//, ''));
    if (integration?.IntegrationType !== 'AWS_PROXY') {
      throw new Error(
        `route ${logicalId} (${String(props.RouteKey)}): only Lambda proxy integrations are supported locally`,
      );
    }
    routes.push({
      ...parseRoute(
        String(props.RouteKey),
        String(integration.IntegrationUri),
        String(integration.PayloadFormatVersion ?? '2.0'),
      ),
      authorization: routeAuthorization(logicalId, props, authorizers),
    });
  }
  return { apiId, routes };
}

function routeAuthorization(
  logicalId: string,
  props: Record<string, unknown>,
  authorizers: ReadonlyMap<string, Record<string, unknown>>,
): RouteAuthorization {
  const type = String(props.AuthorizationType ?? 'NONE');
  if (type === 'NONE' || type === 'AWS_IAM') return { type };
  if (type !== 'JWT') {
    throw new Error(
      `route ${logicalId}: AuthorizationType ${type} is not emulated locally (NONE, AWS_IAM and JWT are)`,
    );
  }
  const authorizer = authorizers.get(String(props.AuthorizerId));
  const jwt = authorizer?.JwtConfiguration as { Issuer?: unknown; Audience?: unknown } | undefined;
  const identitySource = (authorizer?.IdentitySource ?? ['$request.header.Authorization']) as unknown[];
  if (!jwt || identitySource.length !== 1 || String(identitySource[0]) !== '$request.header.Authorization') {
    throw new Error(
      `route ${logicalId}: only a JWT authorizer reading $request.header.Authorization is emulated locally`,
    );
  }
  return {
    type,
    issuer: String(jwt.Issuer),
    audience: ((jwt.Audience ?? []) as unknown[]).map(String),
    scopes: ((props.AuthorizationScopes ?? []) as unknown[]).map(String),
  };
}

export function parseRoute(routeKey: string, functionArn: string, payloadFormatVersion = '2.0'): HttpRoute {
  if (routeKey === '$default') return { routeKey, segments: [], functionArn, payloadFormatVersion };
  const [method, path] = routeKey.split(' ');
  if (method === undefined || path === undefined) {
    throw new Error(`route key '${routeKey}' is neither '$default' nor 'METHOD /path'`);
  }
  return { routeKey, method: method.toUpperCase(), segments: splitPath(path), functionArn, payloadFormatVersion };
}

export function matchRoute(routes: readonly HttpRoute[], method: string, path: string): RouteMatch | undefined {
  const segments = splitPath(path);
  let best: { match: RouteMatch; score: number[] } | undefined;
  for (const route of routes) {
    if (route.method === undefined) continue;
    if (route.method !== 'ANY' && route.method !== method.toUpperCase()) continue;
    const pathParameters = matchSegments(route.segments, segments);
    if (!pathParameters) continue;
    const score = [
      ...route.segments.map((s) => (s.endsWith('+}') ? 0 : s.startsWith('{') ? 1 : 2)),
      route.method === 'ANY' ? 0 : 1,
    ];
    if (!best || compareScores(score, best.score) > 0) best = { match: { route, pathParameters }, score };
  }
  if (best) return best.match;
  const fallback = routes.find((route) => route.routeKey === '$default');
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    if (part.startsWith('{') && part.endsWith('+}')) {
      if (i !== pattern.length - 1 || segments.length <= i) return undefined;
      parameters[part.slice(1, -2)] = segments.slice(i).map(decode).join('/');
      return parameters;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (part.startsWith('{') && part.endsWith('}')) parameters[part.slice(1, -1)] = decode(segment);
    else if (part !== segment) return undefined;
  }
  return segments.length === pattern.length ? parameters : undefined;
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

const splitPath = (path: string): string[] => path.split('/').filter((segment) => segment.length > 0);

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
