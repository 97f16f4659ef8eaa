import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/contract/environment';
import {
  parseRouteKey,
  ROUTE_KEYS,
  ROUTE_TABLE,
  type RouteAuth,
  type RouteKey,
  type RouteTable,
} from '../../lambdas/contract/routes';
import { DEFAULT_PUBLISH_DEADLINE_MS } from '../../lambdas/ports/event-publisher';

/**
 * Time the API function needs besides publishing: the idempotency record (2 writes) and the
 * catalogue read, a few milliseconds each normally; one stuck call is cut by the SDK's 5 s
 * request timeout (runtime/aws-clients.ts).
 */
export const API_DYNAMODB_ALLOWANCE = Duration.seconds(5);

/** How callers authenticate to the API. */
export type ApiAuthMode = 'IAM' | 'JWT';

/** The customer routes of the route table: the only ones a JWT route scope may apply to. */
export type CustomerRouteKey = {
  [K in RouteKey]: (typeof ROUTE_TABLE)[K]['auth'] extends 'customer' ? K : never;
}[RouteKey];

/** JWT authorization scopes per customer route: API Gateway lets a token in only if it carries one of them. */
export type RouteScopes = Readonly<Partial<Record<CustomerRouteKey, readonly string[]>>>;

/** The one stage of the API; it is part of every execute-api ARN. */
export const API_STAGE_NAME = '$default';

/** An OAuth scope token (RFC 6749 section 3.3): printable ASCII without space, '"' or backslash. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Checks route scopes (a prop, or parsed from CDK context) and returns them typed: an object whose
 * keys are customer routes of the route table and whose values are non-empty lists of scope strings.
 * `what` names the source in the errors.
 */
export function checkRouteScopes(value: unknown, what: string): RouteScopes {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(
      `${what} must be an object of route key -> list of scopes, e.g. {"POST /orders":["orders/write"]}; ` +
        `got ${JSON.stringify(value)}`,
    );
  }
  for (const [routeKey, scopes] of Object.entries(value)) {
    if (!Object.hasOwn(ROUTE_TABLE, routeKey)) {
      throw new Error(`${what}: unknown route '${routeKey}'; the routes are ${ROUTE_KEYS.join(', ')}`);
    }
    if (ROUTE_TABLE[routeKey as RouteKey].auth !== 'customer') {
      throw new Error(
        `${what}: '${routeKey}' is an admin route, which stays on AWS_IAM: JWT scopes do not apply to it`,
      );
    }
    if (!Array.isArray(scopes) || scopes.length === 0) {
      throw new Error(`${what}: the scopes of '${routeKey}' must be a non-empty list; got ${JSON.stringify(scopes)}`);
    }
    for (const scope of scopes) {
      if (typeof scope !== 'string') {
        throw new Error(`${what}: scope ${JSON.stringify(scope)} of '${routeKey}' is not a string`);
      }
      if (!SCOPE_TOKEN.test(scope)) {
        throw new Error(`${what}: '${scope}' of '${routeKey}' is not a scope (printable characters, no spaces)`);
      }
    }
  }
  return value as RouteScopes;
}

/**
 * `http://127.0.0.1[:port]` or `http://localhost[:port]` (with an optional path): the local runtime,
 * which is its own JWT issuer. API Gateway on AWS cannot reach such an issuer.
 */
export function isLoopbackHttpIssuer(issuer: string): boolean {
  return /^http:\/\/(127\.0\.0\.1|localhost)(:\d{1,5})?(\/\S*)?$/.test(issuer);
}

/**
 * The execute-api resource path of a route, e.g. `GET/orders/*`: each `{param}` segment becomes `*`,
 * since a parameter's values are not known in advance.
 */
export function invokeResourcePath(routeKey: string): string {
  const { method, path } = parseRouteKey(routeKey);
  return `${method}${path.replace(/\{[^}/]+\}/g, '*')}`;
}

/**
 * Whether an IAM resource pattern over route paths lets a caller invoke a route: IAM's `*` matches
 * any characters, '/' included, so `GET/orders/*` would also cover a `GET /orders/{id}/secret`.
 */
function patternCovers(pattern: string, routeKey: string): boolean {
  const request = invokeResourcePath(routeKey).replace(/\*/g, 'x'); // a request with any parameter value
  const escaped = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(request);
}

export interface OrderHttpApiProps {
  /** The function that serves every route (payload format 2.0). */
  readonly handler: lambda.IFunction;

  /**
   * The routes and who may call each. The function's router serves ROUTE_TABLE, so another table
   * is for tests of what the construct derives from it (routes, invoke policies).
   * @default ROUTE_TABLE (lambdas/contract/routes.ts)
   */
  readonly routeTable?: RouteTable;

  /**
   * Authorization of the non-admin routes: 'IAM' = AWS_IAM (SigV4-signed requests),
   * 'JWT' = a JWT authorizer (needs `jwtIssuer` and `jwtAudience`). Admin routes are always AWS_IAM.
   * @default 'IAM'
   */
  readonly auth?: ApiAuthMode;

  /**
   * Issuer URL of the JWT authorizer (e.g. `https://cognito-idp.<region>.amazonaws.com/<poolId>`).
   * Required when `auth` is 'JWT', refused otherwise.
   * @default - none
   */
  readonly jwtIssuer?: string;

  /**
   * Accepted `aud` values of the JWT authorizer. Required (non-empty) when `auth` is 'JWT'.
   * @default - none
   */
  readonly jwtAudience?: readonly string[];

  /**
   * JWT authorization scopes per customer route (the route's AuthorizationScopes): a token must carry
   * one of a route's scopes to call it. Only with auth 'JWT'; customer routes of the route table only.
   * @default - no scopes: any valid token of the issuer and audience may call every customer route
   */
  readonly routeScopes?: RouteScopes;

  /**
   * Accept a loopback `http://127.0.0.1:<port>` / `http://localhost:<port>` jwtIssuer: for the local
   * runtime only, which issues its own tokens there. API Gateway on AWS cannot reach such an issuer,
   * so keep this off for any deployed stage.
   * @default false (the issuer must be https://)
   */
  readonly allowLoopbackIssuer?: boolean;

  /**
   * Steady-state requests per second allowed on the stage (all routes together).
   * @default 100
   */
  readonly throttlingRateLimit?: number;

  /**
   * Burst of requests allowed on the stage.
   * @default 200
   */
  readonly throttlingBurstLimit?: number;

  /**
   * Retention of the access-log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;

  /**
   * Topic notified when the API answers 5xx.
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Number of 5xx answers in 5 minutes that fires the alarm.
   * @default 1
   */
  readonly serverErrorAlarmThreshold?: number;

  /**
   * The publish deadline of the API function (set as its PUBLISH_DEADLINE_MS when given; the
   * publisher defaults to DEFAULT_PUBLISH_DEADLINE_MS): the function's timeout must exceed it plus
   * API_DYNAMODB_ALLOWANCE, so a client always gets the function's own 503 (problem+json,
   * Retry-After) and never a gateway 500 from a timed-out function. Checked at synth time.
   * @default Duration.millis(DEFAULT_PUBLISH_DEADLINE_MS) (3 s)
   */
  readonly publishDeadline?: Duration;
}

/**
 * The orderstream HTTP API (API Gateway v2): every route of the route table
 * (lambdas/contract/routes.ts) on one Lambda integration, AWS_IAM authorization by default
 * or a JWT authorizer on the customer routes (admin routes stay AWS_IAM),
 * a `$default` stage with throttling and JSON access logs, a 5xx alarm, and managed policies
 * to invoke the AWS_IAM routes, derived from the route table.
 */
export class OrderHttpApi extends Construct {
  public readonly httpApi: apigwv2.HttpApi;
  /**
   * `execute-api:Invoke` on the customer routes, for the role of a trusted service acting for
   * customers (a storefront backend). Only when the customer routes use AWS_IAM (auth 'IAM').
   */
  public readonly customerRoutesInvokePolicy?: iam.ManagedPolicy;
  /** `execute-api:Invoke` on the admin routes (always AWS_IAM), for operators' and back-office roles. */
  public readonly adminRoutesInvokePolicy: iam.ManagedPolicy;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly serverErrorAlarm: cloudwatch.Alarm;
  /** Base URL of the API (the `$default` stage), ending with '/'. */
  public readonly url: string;
  /** The routes this API serves (props.routeTable). */
  private readonly routeTable: RouteTable;

  public constructor(scope: Construct, id: string, props: OrderHttpApiProps) {
    super(scope, id);
    this.routeTable = props.routeTable ?? ROUTE_TABLE;
    const auth = props.auth ?? 'IAM';
    if (auth !== 'IAM' && auth !== 'JWT') {
      throw new Error(`OrderHttpApi: auth must be 'IAM' or 'JWT'; got '${String(auth)}'`);
    }
    if (auth === 'JWT') {
      const issuer = props.jwtIssuer ?? '';
      const loopback = isLoopbackHttpIssuer(issuer);
      if (loopback && !props.allowLoopbackIssuer) {
        throw new Error(
          `OrderHttpApi: jwtIssuer '${issuer}' is a loopback http:// issuer, which only the local runtime can use ` +
            '(allowLoopbackIssuer); API Gateway on AWS cannot reach it: use an https:// issuer',
        );
      }
      if (!loopback && !/^https:\/\/\S+$/.test(issuer)) {
        throw new Error(`OrderHttpApi: auth 'JWT' needs jwtIssuer, an https:// URL; got '${issuer}'`);
      }
      if (!props.jwtAudience || props.jwtAudience.length === 0 || props.jwtAudience.some((a) => a.trim() === '')) {
        throw new Error("OrderHttpApi: auth 'JWT' needs a non-empty jwtAudience list without blank entries");
      }
    } else if (props.jwtIssuer !== undefined || props.jwtAudience !== undefined || props.routeScopes !== undefined) {
      throw new Error("OrderHttpApi: jwtIssuer/jwtAudience/routeScopes are only valid with auth 'JWT'");
    }
    const routeScopes = props.routeScopes ? checkRouteScopes(props.routeScopes, 'OrderHttpApi: routeScopes') : {};
    const publishDeadline = props.publishDeadline ?? Duration.millis(DEFAULT_PUBLISH_DEADLINE_MS);
    const timeout = props.handler instanceof lambda.Function ? props.handler.timeout : undefined;
    const needed = publishDeadline.toMilliseconds() + API_DYNAMODB_ALLOWANCE.toMilliseconds();
    if (timeout && timeout.toMilliseconds() <= needed) {
      throw new Error(
        `OrderHttpApi: the API function's timeout (${timeout.toSeconds()} s) must exceed the publish deadline ` +
          `(${publishDeadline.toMilliseconds()} ms) + ${API_DYNAMODB_ALLOWANCE.toSeconds()} s for DynamoDB, ` +
          'or a stream outage ends in a gateway 500 instead of a 503',
      );
    }
    if (props.publishDeadline && props.handler instanceof lambda.Function) {
      props.handler.addEnvironment(ENV.publishDeadlineMs, String(publishDeadline.toMilliseconds()));
    }
    const rateLimit = props.throttlingRateLimit ?? 100;
    const burstLimit = props.throttlingBurstLimit ?? 200;
    if (!(rateLimit > 0) || !Number.isFinite(rateLimit)) {
      throw new Error(`OrderHttpApi: throttlingRateLimit must be a positive number; got ${rateLimit}`);
    }
    if (!Number.isInteger(burstLimit) || burstLimit < 1) {
      throw new Error(`OrderHttpApi: throttlingBurstLimit must be a positive integer; got ${burstLimit}`);
    }

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'orderstream order API',
      createDefaultStage: false,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: API_STAGE_NAME,
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('ApiIntegration', props.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const iamAuthorizer = new HttpIamAuthorizer();
    const userAuthorizer =
      auth === 'JWT'
        ? new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer as string, {
            jwtAudience: [...(props.jwtAudience as readonly string[])],
          })
        : iamAuthorizer;
    for (const [routeKey, spec] of Object.entries(this.routeTable)) {
      const { method, path } = parseRouteKey(routeKey);
      const isAdmin = spec.auth === 'admin';
      const scopes = isAdmin ? undefined : routeScopes[routeKey as CustomerRouteKey];
      this.httpApi.addRoutes({
        path,
        methods: [apigwv2.HttpMethod[method]],
        integration,
        authorizer: isAdmin ? iamAuthorizer : userAuthorizer,
        ...(scopes ? { authorizationScopes: [...scopes] } : {}),
      });
    }

    if (auth === 'IAM') {
      this.customerRoutesInvokePolicy = this.routesInvokePolicy(
        'CustomerRoutesInvokePolicy',
        'customer',
        'orderstream API: invoke the customer routes (AWS_IAM), for the role of a trusted service acting for ' +
          'customers, e.g. a storefront backend',
      );
    }
    this.adminRoutesInvokePolicy = this.routesInvokePolicy(
      'AdminRoutesInvokePolicy',
      'admin',
      'orderstream API: invoke the admin routes (always AWS_IAM), for operator and back-office roles',
    );

    this.url = this.stage.url;

    this.serverErrorAlarm = new cloudwatch.Alarm(this, 'ServerErrorAlarm', {
      alarmDescription: 'orderstream API answers 5xx',
      metric: this.httpApi.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: props.serverErrorAlarmThreshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.serverErrorAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }

  /**
   * A managed policy allowing `execute-api:Invoke` on exactly the routes of the table with this
   * auth, so a new route lands in the right policy without edits. Refuses a table in which a
   * customer route's pattern would also cover an admin route (IAM's `*` spans '/').
   */
  private routesInvokePolicy(id: string, auth: RouteAuth, description: string): iam.ManagedPolicy {
    const routesOf = (wanted: RouteAuth) =>
      Object.entries(this.routeTable)
        .filter(([, spec]) => spec.auth === wanted)
        .map(([routeKey]) => routeKey);
    const patterns = routesOf(auth).map(invokeResourcePath);
    if (auth === 'customer') {
      const adminRoutes = routesOf('admin');
      for (const pattern of patterns) {
        const covered = adminRoutes.find((routeKey) => patternCovers(pattern, routeKey));
        if (covered) {
          throw new Error(
            `OrderHttpApi: the customer routes' invoke pattern '${pattern}' would also allow the admin route ` +
              `'${covered}' (IAM's * spans '/'): move one of the routes to another path`,
          );
        }
      }
    }
    const stack = Stack.of(this);
    const policy = new iam.ManagedPolicy(this, id, {
      description,
      statements: [
        new iam.PolicyStatement({
          sid: `Invoke${auth === 'admin' ? 'Admin' : 'Customer'}Routes`,
          actions: ['execute-api:Invoke'],
          resources: patterns.map((pattern) =>
            stack.formatArn({
              service: 'execute-api',
              resource: this.httpApi.apiId,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
              resourceName: `${API_STAGE_NAME}/${pattern}`,
            }),
          ),
        }),
      ],
    });
    // cdk-nag names a Ref by the referenced logical id: the API's, as allocated now (it is not overridden).
    const apiLogicalId = stack.resolve((this.httpApi.node.defaultChild as CfnElement).logicalId) as string;
    for (const pattern of patterns.filter((p) => p.includes('*'))) {
      Validations.of(policy).acknowledge({
        id:
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:' +
          `<${apiLogicalId}>/${API_STAGE_NAME}/${pattern}]`,
        reason:
          `Path parameters are unknown in advance: the * in ${pattern} stands for one path parameter segment of a ` +
          'known route of the route table, nothing else (method, stage and the other segments are fixed)' +
          (auth === 'customer' ? '; synthesis fails if the pattern would also match an admin route.' : '.'),
      });
    }
    return policy;
  }
}
