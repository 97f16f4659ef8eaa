import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpProblem } from './http';
import { SERVICE_VIEWER, type Viewer } from './order-api';

/**
 * The scope of a caller's Idempotency-Keys: two callers never share a key, so one caller's key
 * can neither collide with nor reveal another caller's order.
 *
 * - IAM (SigV4): `iam:<userArn>`; an assumed-role session is scoped to its role
 *   (`arn:aws:sts::<account>:assumed-role/<role>`), so a retry after the caller's credentials
 *   were refreshed (a new session name) stays in the same scope; a Cognito identity-pool caller is
 *   scoped to its identity id.
 * - JWT: `jwt:<iss>|<sub>` (falls back to `client_id` for client-credential tokens without `sub`).
 * - No authorizer (the local runtime serves the API without one): every caller shares the scope
 *   `anonymous`, as all local requests come from the developer's machine.
 */
export const ANONYMOUS_SCOPE = 'anonymous';

/** The `requestContext.authorizer` shapes of HTTP API payload 2.0 this function understands. */
interface AuthorizerContext {
  readonly iam?: {
    readonly userArn?: string;
    readonly callerId?: string;
    readonly accountId?: string;
    readonly cognitoIdentity?: { readonly identityId?: string } | null;
  };
  readonly jwt?: { readonly claims?: Readonly<Record<string, unknown>> };
}

function authorizerOf(event: Pick<APIGatewayProxyEventV2, 'requestContext'>): AuthorizerContext | undefined {
  return (event.requestContext as { authorizer?: AuthorizerContext } | undefined)?.authorizer;
}

/**
 * Who an order route acts as (Viewer, ./order-api.ts):
 * - JWT: the customer the token's subject (`sub`) names, nobody else's orders;
 * - IAM (SigV4) or no authorizer (the local runtime without auth): a trusted service acting for
 *   customers, which names the customer in the request.
 * A JWT without `sub` (a client-credentials token with only `client_id`) names no customer and
 * may not act as one: 403.
 */
export function viewerOf(event: Pick<APIGatewayProxyEventV2, 'requestContext'>): Viewer {
  const jwt = authorizerOf(event)?.jwt;
  if (!jwt) return SERVICE_VIEWER;
  const subject = jwt.claims?.sub;
  if (typeof subject === 'string' && subject !== '') return { kind: 'customer', customerId: subject };
  throw new HttpProblem({
    status: 403,
    title: 'Forbidden',
    detail:
      'the token has no subject (sub claim), so it names no customer: orders are placed, read and cancelled ' +
      'only as the customer a token names (a client-credentials token, with only client_id, cannot act as one)',
  });
}

export function callerScope(event: Pick<APIGatewayProxyEventV2, 'requestContext'>): string {
  const authorizer = authorizerOf(event);
  if (!authorizer || (!authorizer.iam && !authorizer.jwt)) return ANONYMOUS_SCOPE;
  if (authorizer.iam) {
    const identityId = authorizer.iam.cognitoIdentity?.identityId;
    if (identityId) return `cognito:${identityId}`;
    const principal = authorizer.iam.userArn ?? authorizer.iam.callerId;
    if (principal) return `iam:${withoutSessionName(principal)}`;
  }
  const claims = authorizer.jwt?.claims ?? {};
  const subject = claims.sub ?? claims.client_id;
  if (authorizer.jwt && typeof subject === 'string' && subject !== '') {
    return `jwt:${String(claims.iss ?? '')}|${subject}`;
  }
  // An authorizer ran but named nobody: refuse rather than pool the request with others.
  throw new HttpProblem({
    status: 403,
    title: 'Forbidden',
    detail: 'the request is authorized but names no caller (no IAM principal, no JWT sub or client_id)',
  });
}

/** `arn:aws:sts::123:assumed-role/Role/session` -> `arn:aws:sts::123:assumed-role/Role`. */
function withoutSessionName(arn: string): string {
  const match = /^(arn:[^:]+:sts::\d+:assumed-role\/[^/]+)\/.+$/.exec(arn);
  return match ? match[1]! : arn;
}
