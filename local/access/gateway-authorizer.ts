import { apiGatewayIamFailure, authorizeJwt, type LocalJwtIssuer, type SignedRequest, verifySigV4 } from '../auth';
import type { HttpResponse } from '../http-event';
import type { HttpRoute } from '../routes';
import type { AccessChecker } from './access-checker';
import type { LocalPrincipal } from './local-access';

/**
 * API Gateway's authorizers for the local HTTP API, route by route as the template declares them:
 * AWS_IAM = a SigV4 signature (service execute-api) by a local principal whose policies allow
 * `execute-api:Invoke` on the request's ARN; JWT = API Gateway's JWT authorizer, with the local
 * runtime as the issuer. What a passing request's function receives is what AWS puts in
 * `requestContext.authorizer`.
 */

export type GatewayDecision =
  | { readonly ok: true; readonly authorizer?: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly response: HttpResponse };

export interface GatewayAuthorizerOptions {
  readonly principalOf: (accessKeyId: string) => LocalPrincipal | undefined;
  readonly checker: AccessChecker;
  /** The local issuer: JWT routes whose issuer is another one cannot be verified offline (401). */
  readonly jwtIssuer?: LocalJwtIssuer;
  readonly region: string;
  readonly accountId: string;
  /** Every refusal, with its reason, for the runtime's log. */
  readonly onRefusal?: (route: HttpRoute, reason: string) => void;
}

export type GatewayAuthorizer = (route: HttpRoute, apiId: string, request: SignedRequest) => Promise<GatewayDecision>;

export function gatewayAuthorizer(options: GatewayAuthorizerOptions): GatewayAuthorizer {
  return async (route, apiId, request) => {
    const authorization = route.authorization ?? { type: 'NONE' };
    if (authorization.type === 'NONE') return { ok: true };
    if (authorization.type === 'AWS_IAM') return authorizeIam(options, route, apiId, request);
    const verified = await authorizeJwt(headerOf(request, 'authorization'), {
      issuer: authorization.issuer,
      audience: authorization.audience,
      jwks: options.jwtIssuer?.issuer === authorization.issuer ? options.jwtIssuer.jwks() : { keys: [] },
      requiredScopes: authorization.scopes,
    });
    if (!verified.ok) {
      options.onRefusal?.(route, `JWT: ${verified.reason}`);
      return { ok: false, response: json(verified.statusCode, verified.body, verified.headers) };
    }
    return { ok: true, authorizer: { jwt: { claims: verified.claims, scopes: verified.scopes } } };
  };
}

function authorizeIam(
  options: GatewayAuthorizerOptions,
  route: HttpRoute,
  apiId: string,
  request: SignedRequest,
): GatewayDecision {
  const verified = verifySigV4(request, {
    service: 'execute-api',
    region: options.region,
    credentials: options.principalOf,
  });
  if (!verified.ok) {
    options.onRefusal?.(route, `SigV4: ${verified.failure}: ${verified.message}`);
    const failure = apiGatewayIamFailure(verified);
    return { ok: false, response: json(failure.statusCode, failure.body, failure.headers) };
  }
  const principal = options.principalOf(verified.credential.accessKeyId);
  if (!principal) return { ok: false, response: json(403, { message: 'Forbidden' }, {}) };
  const path = request.url.split('?')[0] ?? '/';
  const resource = `arn:aws:execute-api:${options.region}:${options.accountId}:${apiId}/$default/${request.method.toUpperCase()}${path}`;
  const decision = options.checker.check(principal, [{ action: 'execute-api:Invoke', resource, context: {} }]);
  // An HTTP API answers a signed caller without the permission with a bare Forbidden; the
  // checker has logged AWS's full message.
  if (!decision.allowed) return { ok: false, response: json(403, { message: 'Forbidden' }, {}) };
  return {
    ok: true,
    authorizer: {
      iam: {
        accessKey: principal.accessKeyId,
        accountId: options.accountId,
        callerId: principal.name,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: principal.principalArn,
        userId: principal.name,
      },
    },
  };
}

function headerOf(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(statusCode: number, body: unknown, headers: Readonly<Record<string, string>>): HttpResponse {
  const lowered = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...lowered },
    cookies: [],
    body: Buffer.from(JSON.stringify(body)),
  };
}
