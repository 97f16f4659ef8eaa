import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpProblem } from './http';

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

export function callerScope(event: Pick<APIGatewayProxyEventV2, 'requestContext'>): string {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext } | undefined)?.authorizer;
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
