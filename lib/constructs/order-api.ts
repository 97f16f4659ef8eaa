import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/contract/environment';
import { parseRouteKey, ROUTE_KEYS, ROUTE_TABLE } from '../../lambdas/contract/routes';
import { DEFAULT_PUBLISH_DEADLINE_MS } from '../../lambdas/ports/event-publisher';

/**
 * Time the API function needs besides publishing: the idempotency record (2 writes) and the
 * catalogue read, a few milliseconds each normally; one stuck call is cut by the SDK's 5 s
 * request timeout (runtime/aws-clients.ts).
 */
export const API_DYNAMODB_ALLOWANCE = Duration.seconds(5);

/** How callers authenticate to the API. */
export type ApiAuthMode = 'IAM' | 'JWT';

export interface OrderHttpApiProps {
  /** The function that serves every route (payload format 2.0). */
  readonly handler: lambda.IFunction;

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
 * a `$default` stage with throttling and JSON access logs, and a 5xx alarm.
 */
export class OrderHttpApi extends Construct {
  public readonly httpApi: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly serverErrorAlarm: cloudwatch.Alarm;
  /** Base URL of the API (the `$default` stage), ending with '/'. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: OrderHttpApiProps) {
    super(scope, id);
    const auth = props.auth ?? 'IAM';
    if (auth !== 'IAM' && auth !== 'JWT') {
      throw new Error(`OrderHttpApi: auth must be 'IAM' or 'JWT'; got '${String(auth)}'`);
    }
    if (auth === 'JWT') {
      if (!props.jwtIssuer || !/^https:\/\/\S+$/.test(props.jwtIssuer)) {
        throw new Error(`OrderHttpApi: auth 'JWT' needs jwtIssuer, an https:// URL; got '${props.jwtIssuer ?? ''}'`);
      }
      if (!props.jwtAudience || props.jwtAudience.length === 0 || props.jwtAudience.some((a) => a.trim() === '')) {
        throw new Error("OrderHttpApi: auth 'JWT' needs a non-empty jwtAudience list without blank entries");
      }
    } else if (props.jwtIssuer !== undefined || props.jwtAudience !== undefined) {
      throw new Error("OrderHttpApi: jwtIssuer/jwtAudience are only valid with auth 'JWT'");
    }
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
      stageName: '$default',
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
    for (const routeKey of ROUTE_KEYS) {
      const { method, path } = parseRouteKey(routeKey);
      this.httpApi.addRoutes({
        path,
        methods: [apigwv2.HttpMethod[method]],
        integration,
        authorizer: ROUTE_TABLE[routeKey].auth === 'admin' ? iamAuthorizer : userAuthorizer,
      });
    }

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
}
