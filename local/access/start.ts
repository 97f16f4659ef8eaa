import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { LocalJwtIssuer } from '../auth';
import type { MappingConfig } from '../esm/types';
import type { LocalFunctionDefinition } from '../functions';
import { type HttpRoute, httpApiDefinition } from '../routes';
import type { LocalTemplate } from '../template';
import type { AccessMode } from './access-checker';
import { startAccessProxy } from './access-proxy';
import { type GatewayAuthorizer, gatewayAuthorizer } from './gateway-authorizer';
import { type ApiPrincipalSpec, LocalAccess } from './local-access';

/**
 * The local runtime's access step: who is who (local principals from the template), the endpoints
 * that check each function's calls against its role, the HTTP API's authorizers, the local JWT
 * issuer (discovery document and JWKS on the API's port) and `local-principals.json`.
 */

export interface AccessStepOptions {
  readonly template: LocalTemplate;
  readonly definitions: readonly LocalFunctionDefinition[];
  readonly options: {
    readonly apiPrincipals?: readonly ApiPrincipalSpec[];
    readonly apiAuthorizers?: boolean;
    readonly iam?: AccessMode;
  };
  readonly dataDir: string;
  readonly apiUrl: string;
  readonly region: string;
  readonly accountId: string;
  /** The emulators' own endpoints (or the next proxy) the checked calls go on to. */
  readonly upstreams: { readonly dynamodb: string; readonly kinesis: string };
  readonly log: (line: string) => void;
}

export interface RunningAccess {
  readonly local: LocalAccess;
  /** Where functions send their calls (checked against their role). */
  readonly endpoints: { readonly dynamodb: string; readonly kinesis: string };
  /** undefined with --no-auth: every route open. */
  readonly authorizer: GatewayAuthorizer | undefined;
  readonly issuer: LocalJwtIssuer;
  readonly issuerHandler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  readonly principalsFile: string;
  /** What the banner must say about access (open routes, soft IAM, unverifiable issuers). */
  readonly warnings: readonly string[];
  stop(): Promise<void>;
}

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/.well-known/jwks.json';

export async function startAccessChecks(step: AccessStepOptions): Promise<RunningAccess> {
  const { template, log } = step;
  const mode = step.options.iam ?? 'enforce';
  const warnings: string[] = [];
  const apiPrincipals = (step.options.apiPrincipals ?? []).filter((spec) => {
    const present = template.template.Resources[spec.managedPolicy]?.Type === 'AWS::IAM::ManagedPolicy';
    if (!present) log(`[access] no principal '${spec.name}': the template has no managed policy ${spec.managedPolicy}`);
    return present;
  });
  const local = new LocalAccess({
    template,
    functions: step.definitions,
    apiPrincipals,
    mode,
    region: step.region,
    accountId: step.accountId,
    log,
  });
  const principalOf = (accessKeyId: string) => local.principalOf(accessKeyId);
  const [dynamodb, kinesis] = await Promise.all([
    startAccessProxy({
      service: 'dynamodb',
      upstream: step.upstreams.dynamodb,
      region: step.region,
      principalOf,
      authorizationsOf: (operation, body) => local.dynamoDbAuthorizations(operation, body),
      checker: local.checker,
    }),
    startAccessProxy({
      service: 'kinesis',
      upstream: step.upstreams.kinesis,
      region: step.region,
      principalOf,
      authorizationsOf: (operation, body) => local.kinesisAuthorizations(operation, body),
      checker: local.checker,
    }),
  ]);
  if (mode === 'soft') warnings.push("--iam soft: calls outside a function's role are logged, not refused");

  const issuer = await LocalJwtIssuer.open({
    keyFile: join(step.dataDir, 'auth', 'jwt-signing-key.json'),
    issuer: step.apiUrl,
  });
  const routes = httpApiDefinition(template)?.routes ?? [];
  for (const route of routes) {
    const authorization = route.authorization;
    if (authorization?.type === 'JWT' && authorization.issuer !== issuer.issuer) {
      warnings.push(
        `${route.routeKey}: JWT issuer ${authorization.issuer} is not the local issuer (${issuer.issuer}); ` +
          'its tokens cannot be verified offline, so the route answers 401',
      );
    }
  }
  const authorizers = step.options.apiAuthorizers ?? true;
  if (!authorizers) warnings.push('--no-auth: every route is open (no SigV4, no JWT, no execute-api:Invoke check)');
  const authorizer = authorizers
    ? gatewayAuthorizer({
        principalOf,
        checker: local.checker,
        jwtIssuer: issuer,
        region: step.region,
        accountId: step.accountId,
        onRefusal: (route, reason) => log(`[http-api] ${route.routeKey}: refused (${reason})`),
      })
    : undefined;

  const principalsFile = join(step.dataDir, 'local-principals.json');
  mkdirSync(dirname(principalsFile), { recursive: true });
  writeFileSync(
    principalsFile,
    `${JSON.stringify(
      {
        apiUrl: step.apiUrl,
        endpoints: { kinesis: kinesis.endpoint, dynamodb: dynamodb.endpoint },
        region: step.region,
        jwt: { issuer: issuer.issuer, audience: localJwtAudience(routes, issuer.issuer) },
        principals: local.principals.map((principal) => ({
          name: principal.name,
          description: principal.description,
          arn: principal.principalArn,
          accessKeyId: principal.accessKeyId,
          secretAccessKey: principal.secretAccessKey,
        })),
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );

  return {
    local,
    endpoints: { dynamodb: dynamodb.endpoint, kinesis: kinesis.endpoint },
    authorizer,
    issuer,
    issuerHandler: async (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const body =
        path === DISCOVERY_PATH ? issuer.discoveryDocument() : path === JWKS_PATH ? issuer.jwks() : undefined;
      if (req.method !== 'GET' || body === undefined) return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return true;
    },
    principalsFile,
    warnings,
    stop: async () => {
      await Promise.all([dynamodb.stop(), kinesis.stop()]);
    },
  };
}

/** The audiences of the routes the local issuer's tokens are for (what `npm run token` puts in `aud`). */
function localJwtAudience(routes: readonly HttpRoute[], issuer: string): string[] {
  const audiences = routes.flatMap((route) =>
    route.authorization?.type === 'JWT' && route.authorization.issuer === issuer ? route.authorization.audience : [],
  );
  return [...new Set(audiences)];
}

/**
 * Lambda refuses to create a mapping whose function's role cannot read the stream through its
 * consumer (or decrypt it, or write failed batches): so does the local runtime, with AWS's
 * reasons, unless the checks are soft.
 */
export function assertMappingsPermitted(local: LocalAccess, mappings: readonly MappingConfig[]): void {
  const problems = mappings.flatMap((mapping) =>
    local.mappingDenials(mapping).map((denial) => `mapping ${mapping.id}: ${denial.message}`),
  );
  if (problems.length > 0 && local.checker.mode === 'enforce') {
    throw new Error(
      `InvalidParameterValueException: the function execution role does not have the permissions the ` +
        `event-source mapping needs:\n  ${problems.join('\n  ')}`,
    );
  }
}
