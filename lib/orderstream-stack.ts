import {
  type CfnElement,
  CfnOutput,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct, IConstruct } from 'constructs';
import { SAGA_DEADLINE_INDEX } from '../lambdas/adapters/saga-deadline-index';
import { ENV } from '../lambdas/contract/environment';
import {
  DEFAULT_SAGA_MAX_REDRIVES,
  DEFAULT_SAGA_STEP_TIMEOUT_SECONDS,
  LOCAL_SAGA_STEP_TIMEOUT_SECONDS,
  SAGA_MAX_REDRIVES,
  SAGA_STEP_TIMEOUT_SECONDS,
} from '../lambdas/contract/limits';
import { parseFaultRate } from '../lambdas/runtime/fault-injection';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { type ApiAuthMode, isLoopbackHttpIssuer, OrderHttpApi, type RouteScopes } from './constructs/order-api';
import { SavedLogQueries } from './constructs/saved-log-queries';
import { METRICS_NAMESPACE, ServiceFunction } from './constructs/service-function';
import {
  type ConsumerMappingOptions,
  kinesisViaService,
  resolveMappingOptions,
  StreamConsumerFunction,
} from './constructs/stream-consumer-function';
import {
  API_SERVICE,
  CONSUMER_SERVICES,
  OTHER_GRANTS,
  type ServiceDefinition,
  SWEEPER_SERVICE,
  TABLE_ENV,
  type TableKey,
  tablesOf,
} from './services';

/** Which KMS key encrypts the stream. */
export type StreamEncryptionMode = 'CUSTOMER_MANAGED' | 'AWS_MANAGED';

export interface OrderstreamStackProps extends StackProps {
  /**
   * Stage name (dev, staging, prod...): lower case letters, digits and dashes, 1..20 characters.
   * Used in the stack name `Orderstream-<stage>` (by bin/app.ts) and in resource descriptions.
   * @default 'dev'
   */
  readonly stageName?: string;

  /**
   * How long the stream keeps records: whole hours from 24 h to 8760 h (365 days).
   * Longer retention costs more but allows a longer replay window.
   * @default Duration.hours(24)
   */
  readonly streamRetention?: Duration;

  /**
   * Key that encrypts the stream. 'CUSTOMER_MANAGED' (default) creates a KMS key with yearly
   * rotation owned by this stack: its key policy is in the template, it can be audited and
   * revoked, and its CloudTrail usage is per stack. 'AWS_MANAGED' uses alias/aws/kinesis: no key
   * cost ($1/month + requests), but its policy cannot be changed or narrowed.
   * @default 'CUSTOMER_MANAGED'
   */
  readonly streamEncryption?: StreamEncryptionMode;

  /**
   * SES (v2) sender address of the email service, a verified SES identity. When set, the email
   * function gets EMAIL_SENDER and `ses:SendEmail` restricted to this From address.
   * @default - no sender: the email service only logs the emails it would send
   */
  readonly emailSender?: string;

  /**
   * Authorization of the customer routes: 'IAM' (SigV4, AWS_IAM) or 'JWT' (needs `jwtIssuer` and
   * `jwtAudience`). PUT /inventory/{sku} is an admin route and stays AWS_IAM in both modes.
   * @default 'IAM'
   */
  readonly apiAuth?: ApiAuthMode;

  /**
   * Issuer URL of the JWT authorizer (only with apiAuth 'JWT'): https://, or at stage 'local' only the
   * local runtime's own loopback issuer `http://127.0.0.1:<port>` / `http://localhost:<port>`.
   * @default - none
   */
  readonly jwtIssuer?: string;

  /**
   * Accepted JWT audiences (only with apiAuth 'JWT', non-empty).
   * @default - none
   */
  readonly jwtAudience?: readonly string[];

  /**
   * JWT authorization scopes per customer route (only with apiAuth 'JWT'), e.g.
   * `{ 'POST /orders': ['orders/write'], 'GET /orders/{orderId}': ['orders/read'] }`: a token must carry
   * one of a route's scopes to call it. Admin routes stay AWS_IAM and take none.
   * @default - no scopes: any valid token of the issuer and audience may call every customer route
   */
  readonly jwtRouteScopes?: RouteScopes;

  /**
   * Email address subscribed to the alarm topic (needs confirming from the mail SNS sends).
   * @default - no subscription: alarms still publish to the topic
   */
  readonly alarmEmail?: string;

  /**
   * Event-source mapping tuning shared by the six consumers.
   * @default - batchSize 100, maxBatchingWindow 0 s, maxRetryAttempts 5, maxRecordAge 6 h, parallelizationFactor 1
   */
  readonly mapping?: ConsumerMappingOptions;

  /**
   * API stage throttling: steady-state requests per second.
   * @default 100
   */
  readonly apiThrottlingRateLimit?: number;

  /**
   * API stage throttling: burst.
   * @default 200
   */
  readonly apiThrottlingBurstLimit?: number;

  /**
   * Days after which failed-record objects expire from the on-failure bucket (1..3650).
   * @default 30
   */
  readonly failedRecordsExpiration?: Duration;

  /**
   * What happens to the stateful resources (the five tables and the failed-records bucket) when
   * the stack is deleted. RETAIN keeps the data (delete it by hand); DESTROY deletes the tables
   * and tries to delete the bucket (which fails if it still holds objects).
   * @default RemovalPolicy.RETAIN
   */
  readonly dataRemovalPolicy?: RemovalPolicy;

  /**
   * Deadline of every non-terminal saga step: a step without its outcome this long after its
   * command was issued is re-driven (its command published again, same eventId) by the saga
   * deadline sweeper, which runs every minute, so a deadline is acted on up to a minute late.
   * Whole seconds, 10 s..24 h.
   * @default Duration.minutes(5), or Duration.seconds(30) for stage 'local'
   */
  readonly sagaStepTimeout?: Duration;

  /**
   * Re-drives of a stalled step before it times out (compensate what may have succeeded,
   * cancel with reason STEP_TIMED_OUT). A stalled compensation is re-driven for ever, and past
   * this count each re-drive backs off (x2, up to 64 x the timeout) and counts as a timed-out
   * step (alarm). Integer 0..10.
   * @default 2
   */
  readonly sagaMaxRedrives?: number;

  /**
   * LOCAL-ONLY fault switch for soak tests: share of records (0..0.5) each consumer fails on
   * purpose (thrown before or after its handler, or the process killed mid-record), set as
   * ORDERSTREAM_FAULT_RATE on the consumer functions. Refused (synth error) for any stage but 'local'.
   * @default 0 (off)
   */
  readonly faultInjectionRate?: number;
}

/** Stage whose functions may carry the fault switch; its step deadline is shorter by default. */
export const LOCAL_STAGE = 'local';
/** The stage when none is given. */
export const DEFAULT_STAGE = 'dev';

/** The one rule of the fault switch: records are failed on purpose only at stage LOCAL_STAGE. */
export const faultRateAllowed = (rate: number, stage: string): boolean => rate === 0 || stage === LOCAL_STAGE;

/** Key schema of each table (the contract with the handlers and the local runtime). */
const TABLE_SCHEMAS: Readonly<
  Record<TableKey, { id: string; partitionKey: string; sortKey?: string; timeToLiveAttribute?: string }>
> = {
  orders: { id: 'OrdersTable', partitionKey: 'orderId' },
  inventory: { id: 'InventoryTable', partitionKey: 'pk' },
  saga: { id: 'SagaTable', partitionKey: 'orderId' }, // + the sparse deadline index, below
  ledger: { id: 'LedgerTable', partitionKey: 'orderId', sortKey: 'entry' },
  idempotency: { id: 'IdempotencyTable', partitionKey: 'id', timeToLiveAttribute: 'expiration' },
};

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** PascalCase of a kebab-case service name ('api' -> 'Api'). */
const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** The props with their defaults applied, validated: everything the construction steps read. */
interface StackSettings {
  readonly stageName: string;
  readonly streamRetention: Duration;
  readonly streamEncryption: StreamEncryptionMode;
  readonly emailSender?: string;
  readonly alarmEmail?: string;
  readonly failedRecordsExpirationDays: number;
  readonly dataRemovalPolicy: RemovalPolicy;
  readonly mapping?: ConsumerMappingOptions;
  readonly stepTimeoutSeconds: number;
  readonly maxRedrives: number;
  readonly faultRate: number;
  readonly api: Pick<
    OrderstreamStackProps,
    'apiAuth' | 'jwtIssuer' | 'jwtAudience' | 'jwtRouteScopes' | 'apiThrottlingRateLimit' | 'apiThrottlingBurstLimit'
  >;
}

/** Applies the defaults and validates every prop (pure: fails at synth, before any resource exists). */
function resolveSettings(props: OrderstreamStackProps): StackSettings {
  const stageName = props.stageName ?? DEFAULT_STAGE;
  if (!STAGE_PATTERN.test(stageName)) {
    throw new Error(`OrderstreamStack: stageName must match ${STAGE_PATTERN}; got '${stageName}'`);
  }
  const streamRetention = props.streamRetention ?? Duration.hours(24);
  const retentionHours = streamRetention.toHours({ integral: false });
  if (!Number.isInteger(retentionHours) || retentionHours < 24 || retentionHours > 8760) {
    throw new Error(`OrderstreamStack: streamRetention must be whole hours in 24..8760; got ${retentionHours} h`);
  }
  const streamEncryption = props.streamEncryption ?? 'CUSTOMER_MANAGED';
  if (streamEncryption !== 'CUSTOMER_MANAGED' && streamEncryption !== 'AWS_MANAGED') {
    throw new Error(
      `OrderstreamStack: streamEncryption must be 'CUSTOMER_MANAGED' or 'AWS_MANAGED'; got '${String(streamEncryption)}'`,
    );
  }
  if (props.emailSender !== undefined && !EMAIL_PATTERN.test(props.emailSender)) {
    throw new Error(`OrderstreamStack: emailSender must be an email address; got '${props.emailSender}'`);
  }
  if (props.alarmEmail !== undefined && !EMAIL_PATTERN.test(props.alarmEmail)) {
    throw new Error(`OrderstreamStack: alarmEmail must be an email address; got '${props.alarmEmail}'`);
  }
  const expirationDays = (props.failedRecordsExpiration ?? Duration.days(30)).toDays({ integral: false });
  if (!Number.isInteger(expirationDays) || expirationDays < 1 || expirationDays > 3650) {
    throw new Error(`OrderstreamStack: failedRecordsExpiration must be whole days in 1..3650; got ${expirationDays}`);
  }
  // Checked once here so a bad value fails with one message, not six.
  resolveMappingOptions('OrderstreamStack.mapping', props.mapping, streamRetention);
  const isLocal = stageName === LOCAL_STAGE;
  const defaultStepTimeout = isLocal ? LOCAL_SAGA_STEP_TIMEOUT_SECONDS : DEFAULT_SAGA_STEP_TIMEOUT_SECONDS;
  const stepTimeoutSeconds = (props.sagaStepTimeout ?? Duration.seconds(defaultStepTimeout)).toSeconds({
    integral: false,
  });
  const stepRange = SAGA_STEP_TIMEOUT_SECONDS;
  if (
    !Number.isInteger(stepTimeoutSeconds) ||
    stepTimeoutSeconds < stepRange.min ||
    stepTimeoutSeconds > stepRange.max
  ) {
    throw new Error(
      `OrderstreamStack: sagaStepTimeout must be whole seconds in ${stepRange.min}..${stepRange.max}; got ${stepTimeoutSeconds} s`,
    );
  }
  const maxRedrives = props.sagaMaxRedrives ?? DEFAULT_SAGA_MAX_REDRIVES;
  if (!Number.isInteger(maxRedrives) || maxRedrives < SAGA_MAX_REDRIVES.min || maxRedrives > SAGA_MAX_REDRIVES.max) {
    throw new Error(
      `OrderstreamStack: sagaMaxRedrives must be an integer in ${SAGA_MAX_REDRIVES.min}..${SAGA_MAX_REDRIVES.max}; got ${maxRedrives}`,
    );
  }
  // The local runtime is its own JWT issuer on loopback http; a deployed API Gateway cannot reach it.
  if (props.jwtIssuer !== undefined && isLoopbackHttpIssuer(props.jwtIssuer) && !isLocal) {
    throw new Error(
      `OrderstreamStack: jwtIssuer '${props.jwtIssuer}' is a loopback http:// issuer, allowed only for stage ` +
        `'${LOCAL_STAGE}' (the local runtime issues its own tokens); stage '${stageName}' needs an https:// issuer, ` +
        'which API Gateway on AWS can reach',
    );
  }
  const faultRate = parseFaultRate(props.faultInjectionRate ?? 0, 'OrderstreamStack: faultInjectionRate');
  if (!faultRateAllowed(faultRate, stageName)) {
    throw new Error(
      `OrderstreamStack: faultInjectionRate is a local-only soak-test switch; refused for stage '${stageName}' ` +
        `(only stage '${LOCAL_STAGE}' may fail records on purpose)`,
    );
  }
  return {
    stageName,
    streamRetention,
    streamEncryption,
    emailSender: props.emailSender,
    alarmEmail: props.alarmEmail,
    failedRecordsExpirationDays: expirationDays,
    dataRemovalPolicy: props.dataRemovalPolicy ?? RemovalPolicy.RETAIN,
    mapping: props.mapping,
    stepTimeoutSeconds,
    maxRedrives,
    faultRate,
    api: {
      apiAuth: props.apiAuth,
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
      jwtRouteScopes: props.jwtRouteScopes,
      apiThrottlingRateLimit: props.apiThrottlingRateLimit,
      apiThrottlingBurstLimit: props.apiThrottlingBurstLimit,
    },
  };
}

/**
 * The whole orderstream backend in one environment-agnostic stack: the KMS-encrypted on-demand
 * stream, five DynamoDB tables, the HTTP API and its function, six consumers (each on its own
 * enhanced fan-out consumer and mapping), the on-failure bucket, and alarms to an SNS topic.
 *
 * The constructor is a sequence of named steps; their order is the order of the template's
 * resources, so keep it when adding a step.
 */
export class OrderstreamStack extends Stack {
  public readonly stageName: string;
  public readonly stream: kinesis.Stream;
  public readonly streamKey?: kms.Key;
  public readonly tables: Readonly<Record<TableKey, dynamodb.Table>>;
  public readonly failedRecordsBucket: s3.Bucket;
  public readonly alarmTopic: sns.Topic;
  public readonly api: OrderHttpApi;
  public readonly apiFunction: ServiceFunction;
  public readonly consumers: Readonly<Record<string, StreamConsumerFunction>>;
  public readonly sweeperFunction: ServiceFunction;
  public readonly sweepSchedule: events.Rule;
  public readonly stepsTimedOutAlarm: cloudwatch.Alarm;
  public readonly dashboard: OperationsDashboard;
  /** Saved Logs Insights queries over every function's log group. */
  public readonly savedQueries: SavedLogQueries;

  public constructor(scope: Construct, id: string, props: OrderstreamStackProps = {}) {
    super(scope, id, props);
    const settings = resolveSettings(props);
    this.stageName = settings.stageName;

    this.streamKey = this.createStreamKey(settings);
    this.stream = this.createStream(settings);
    this.tables = this.createTables(settings);
    this.failedRecordsBucket = this.createFailedRecordsBucket(settings);
    this.alarmTopic = this.createAlarmTopic(settings);

    this.apiFunction = this.createServiceFunction(API_SERVICE, Duration.seconds(10), settings);
    this.consumers = this.createConsumers(settings);
    this.sweeperFunction = this.createServiceFunction(SWEEPER_SERVICE, Duration.seconds(50), settings);
    this.sweepSchedule = this.scheduleSweeper();
    this.stepsTimedOutAlarm = this.createSweeperAlarms();

    this.api = this.createApi(settings);
    this.dashboard = this.createDashboard();
    this.savedQueries = this.createSavedQueries();
    this.addOutputs();
  }

  /** The stream's customer-managed KMS key (rotated yearly, policy in this stack), unless 'AWS_MANAGED'. */
  private createStreamKey(settings: StackSettings): kms.Key | undefined {
    if (settings.streamEncryption !== 'CUSTOMER_MANAGED') return undefined;
    const key = new kms.Key(this, 'StreamKey', {
      description: `orderstream ${settings.stageName}: encrypts the order event stream`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    pinLogicalId(key, 'StreamKey');
    return key;
  }

  /** The on-demand Kinesis stream that carries every command and event between the services. */
  private createStream(settings: StackSettings): kinesis.Stream {
    const stream = new kinesis.Stream(this, 'EventStream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      retentionPeriod: settings.streamRetention,
      encryption: this.streamKey ? kinesis.StreamEncryption.KMS : kinesis.StreamEncryption.MANAGED,
      encryptionKey: this.streamKey,
      // Records are transient (retention-bound); the durable state is in the tables.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    pinLogicalId(stream, 'EventStream');
    if (this.streamKey) {
      Validations.of(stream).acknowledge({
        id: 'AwsSolutions-KDS3',
        reason:
          'The customer-managed key is the documented default: its key policy lives in this stack (auditable, revocable, ' +
          'rotated yearly) and its use is visible per stack in CloudTrail. The cost (about 1 USD/month plus KMS requests, ' +
          "which Kinesis amortises by caching data keys) is accepted; streamEncryption 'AWS_MANAGED' switches to alias/aws/kinesis.",
      });
    }
    return stream;
  }

  /** The five on-demand tables that hold the durable state, keyed as TABLE_SCHEMAS says. */
  private createTables(settings: StackSettings): Record<TableKey, dynamodb.Table> {
    const tables = {} as Record<TableKey, dynamodb.Table>;
    for (const key of Object.keys(TABLE_SCHEMAS) as TableKey[]) {
      const schema = TABLE_SCHEMAS[key];
      tables[key] = new dynamodb.Table(this, schema.id, {
        partitionKey: { name: schema.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: schema.sortKey ? { name: schema.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
        timeToLiveAttribute: schema.timeToLiveAttribute,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: settings.dataRemovalPolicy,
      });
      pinLogicalId(tables[key], schema.id);
    }
    // Sparse: only sagas with a step deadline (not terminal) carry its keys; the sweeper queries it.
    tables.saga.addGlobalSecondaryIndex({
      indexName: SAGA_DEADLINE_INDEX.name,
      partitionKey: { name: SAGA_DEADLINE_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SAGA_DEADLINE_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...SAGA_DEADLINE_INDEX.projected],
    });
    return tables;
  }

  /** The on-failure destination of the mappings: records of batches that failed every retry, kept until they expire. */
  private createFailedRecordsBucket(settings: StackSettings): s3.Bucket {
    const bucket = new s3.Bucket(this, 'FailedRecordsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        {
          id: 'ExpireFailedRecords',
          expiration: Duration.days(settings.failedRecordsExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: settings.dataRemovalPolicy,
    });
    pinLogicalId(bucket, 'FailedRecordsBucket');
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the Lambda event-source mappings write here (failed batches, expiring after the lifecycle period); ' +
        'no principal of the stack reads or deletes objects (the mappings hold s3:PutObject on aws/lambda/* only; ' +
        'objects expire by lifecycle). This stack enables no S3 server access logs and no CloudTrail data events, so ' +
        'object-level reads by operators are not logged; an access-log bucket would itself need this exemption.',
    });
    return bucket;
  }

  /** The KMS-encrypted SNS topic every alarm of the stack publishes to (and only those alarms). */
  private createAlarmTopic(settings: StackSettings): sns.Topic {
    const alarmKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `orderstream ${settings.stageName}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch alarms can publish to an encrypted topic only if the key lets CloudWatch use it.
    alarmKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `orderstream ${settings.stageName} alarms`,
      masterKey: alarmKey,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, and enforceSSL's holds only a Deny: without this
    // Allow, CloudWatch may not publish ("no resource-based policy allows the SNS:Publish action").
    // Scoped to this stack's alarms by ARN (resolved at synth, so alarms added later count too).
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: {
            'aws:SourceArn': Lazy.list({
              produce: () =>
                this.node
                  .findAll()
                  .filter((c): c is cloudwatch.Alarm => c instanceof cloudwatch.Alarm)
                  .map((alarm) => alarm.alarmArn),
            }),
          },
        },
      }),
    );
    if (settings.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    return topic;
  }

  /** A function that is not a stream consumer (the API's, the sweeper's), with its environment and grants. */
  private createServiceFunction(
    service: ServiceDefinition,
    timeout: Duration,
    settings: StackSettings,
  ): ServiceFunction {
    const serviceFunction = new ServiceFunction(this, pascal(service.name), {
      service: service.name,
      description: service.description,
      environment: this.environmentOf(service, settings),
      timeout,
    });
    this.grantServiceAccess(service, serviceFunction, settings);
    pinLogicalId(serviceFunction.function, `${pascal(service.name)}Function`);
    return serviceFunction;
  }

  /** The six consumers, each on its own enhanced fan-out consumer and event-source mapping, keyed by service name. */
  private createConsumers(settings: StackSettings): Record<string, StreamConsumerFunction> {
    const consumers: Record<string, StreamConsumerFunction> = {};
    for (const service of CONSUMER_SERVICES) {
      const consumer = new StreamConsumerFunction(this, pascal(service.name), {
        service: service.name,
        description: service.description,
        environment: this.environmentOf(service, settings),
        stream: this.stream,
        streamRetention: settings.streamRetention,
        streamKey: this.streamKey,
        failedRecordsBucket: this.failedRecordsBucket,
        mapping: settings.mapping,
        alarmTopic: this.alarmTopic,
      });
      this.grantServiceAccess(service, consumer.serviceFunction, settings);
      pinLogicalId(consumer.function, `${pascal(service.name)}Function`);
      pinLogicalId(consumer.streamConsumer, `${pascal(service.name)}StreamConsumer`);
      pinLogicalId(consumer.eventSourceMapping, `${pascal(service.name)}EventSourceMapping`);
      Validations.of(consumer).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::<FailedRecordsBucket.Arn>/aws/lambda/*]',
        reason:
          'The event-source mapping writes each failed batch as a new object under aws/lambda/<mapping UUID>/<shard>/..., ' +
          'keys Lambda chooses: s3:PutObject covers that prefix of the failed-records bucket only (the mapping UUID is ' +
          "unknown until the mapping exists, which needs the role's policy first).",
      });
      consumers[service.name] = consumer;
    }
    return consumers;
  }

  /** The rule that runs the saga deadline sweeper every minute (re-drives or times out stalled steps). */
  private scheduleSweeper(): events.Rule {
    const rule = new events.Rule(this, 'SagaSweepSchedule', {
      description: `orderstream ${this.stageName}: run the saga deadline sweeper`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // A missed run is made up by the next one: no retries, no stale runs.
      targets: [
        new eventTargets.LambdaFunction(this.sweeperFunction.function, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
    pinLogicalId(rule, 'SagaSweepSchedule');
    return rule;
  }

  /** Alarms on timed-out saga steps and on a failing sweeper; returns the timed-out-steps alarm. */
  private createSweeperAlarms(): cloudwatch.Alarm {
    const alarmAction = new cwActions.SnsAction(this.alarmTopic);
    const stepsTimedOutAlarm = new cloudwatch.Alarm(this, 'SagaStepsTimedOutAlarm', {
      alarmDescription:
        `orderstream ${this.stageName}: saga steps timed out (orders cancelled with STEP_TIMED_OUT, ` +
        'or compensations still unanswered after their re-drives)',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'SagaStepsTimedOut',
        dimensionsMap: { service: 'saga' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    pinLogicalId(stepsTimedOutAlarm, 'SagaStepsTimedOutAlarm');
    const sweeperErrorsAlarm = new cloudwatch.Alarm(this, 'SweeperErrorsAlarm', {
      alarmDescription: `orderstream ${this.stageName}: saga deadline sweeper failing (stalled sagas go unnoticed)`,
      metric: this.sweeperFunction.function.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [stepsTimedOutAlarm, sweeperErrorsAlarm]) alarm.addAlarmAction(alarmAction);
    return stepsTimedOutAlarm;
  }

  /** The HTTP API in front of the API function, with its authorization, invoke policies, throttling and alarms. */
  private createApi(settings: StackSettings): OrderHttpApi {
    const api = new OrderHttpApi(this, 'HttpApi', {
      handler: this.apiFunction.function,
      auth: settings.api.apiAuth,
      jwtIssuer: settings.api.jwtIssuer,
      jwtAudience: settings.api.jwtAudience,
      routeScopes: settings.api.jwtRouteScopes,
      allowLoopbackIssuer: settings.stageName === LOCAL_STAGE,
      throttlingRateLimit: settings.api.apiThrottlingRateLimit,
      throttlingBurstLimit: settings.api.apiThrottlingBurstLimit,
      alarmTopic: this.alarmTopic,
    });
    // Stable ids: roles outside this stack (and the local runtime) find the policies by them.
    if (api.customerRoutesInvokePolicy) pinLogicalId(api.customerRoutesInvokePolicy, 'CustomerRoutesInvokePolicy');
    pinLogicalId(api.adminRoutesInvokePolicy, 'AdminRoutesInvokePolicy');
    return api;
  }

  /** The consumer of a service; every service of CONSUMER_SERVICES has one (createConsumers). */
  private consumerOf(service: string): StreamConsumerFunction {
    const consumer = this.consumers[service];
    if (consumer === undefined) throw new Error(`no stream consumer for service '${service}'`);
    return consumer;
  }

  /** The CloudWatch dashboard of the API, the consumers and the business metrics. */
  private createDashboard(): OperationsDashboard {
    return new OperationsDashboard(this, 'Operations', {
      stageName: this.stageName,
      httpApi: this.api.httpApi,
      consumers: CONSUMER_SERVICES.map((service) => ({
        service: service.name,
        function: this.consumerOf(service.name).function,
      })),
      metricsNamespace: METRICS_NAMESPACE,
    });
  }

  /** Saved Logs Insights queries over every function's log group, for tracing an order across services. */
  private createSavedQueries(): SavedLogQueries {
    return new SavedLogQueries(this, 'SavedQueries', {
      stageName: this.stageName,
      logGroups: [
        this.apiFunction.logGroup,
        ...CONSUMER_SERVICES.map((service) => this.consumerOf(service.name).serviceFunction.logGroup),
        this.sweeperFunction.logGroup,
      ],
    });
  }

  /**
   * Stack outputs the scripts and operators read: API URL, stream, bucket, alarm topic, the route
   * invoke policies and table names.
   */
  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the order API' });
    new CfnOutput(this, 'StreamName', {
      value: this.stream.streamName,
      description: 'Kinesis stream of commands and events',
    });
    new CfnOutput(this, 'FailedRecordsBucketName', {
      value: this.failedRecordsBucket.bucketName,
      description: 'S3 bucket receiving records of batches that failed after all retries',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'SNS topic of the alarms' });
    if (this.api.customerRoutesInvokePolicy) {
      new CfnOutput(this, 'CustomerRoutesPolicyArn', {
        value: this.api.customerRoutesInvokePolicy.managedPolicyArn,
        description: 'Managed policy to invoke the customer routes (attach to a storefront backend role)',
      });
    }
    new CfnOutput(this, 'AdminRoutesPolicyArn', {
      value: this.api.adminRoutesInvokePolicy.managedPolicyArn,
      description: 'Managed policy to invoke the admin routes (attach to operator and back-office roles)',
    });
    for (const key of Object.keys(TABLE_SCHEMAS) as TableKey[]) {
      new CfnOutput(this, `${TABLE_SCHEMAS[key].id}Name`, { value: this.tables[key].tableName });
    }
  }

  /** The environment of a service's function: its tables, the stream, and its own settings. */
  private environmentOf(service: ServiceDefinition, settings: StackSettings): Record<string, string> {
    const env: Record<string, string> = {};
    for (const key of tablesOf(service)) env[TABLE_ENV[key]] = this.tables[key].tableName;
    if (service.publishes) env[ENV.streamName] = this.stream.streamName;
    if (service.sendsEmail && settings.emailSender) env[ENV.emailSender] = settings.emailSender;
    if (service.name === 'saga') {
      env[ENV.sagaStepTimeoutSeconds] = String(settings.stepTimeoutSeconds);
      env[ENV.sagaMaxRedrives] = String(settings.maxRedrives);
    }
    if (settings.faultRate > 0 && CONSUMER_SERVICES.includes(service)) env[ENV.faultRate] = String(settings.faultRate);
    return env;
  }

  /** Grants a service's function exactly the actions its code performs (lib/services.ts), resource by resource. */
  private grantServiceAccess(
    service: ServiceDefinition,
    serviceFunction: ServiceFunction,
    settings: StackSettings,
  ): void {
    const fn = serviceFunction.function;
    // Table by table or index by index: no grantReadData/grantReadWriteData (Scan, Query, BatchWrite, DescribeTable...).
    for (const access of service.tables) {
      const table = this.tables[access.table];
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: `${pascal(access.table)}${access.index ?? 'Table'}Access`,
          actions: access.actions.map((action) => `dynamodb:${action}`),
          resources: [access.index ? `${table.tableArn}/index/${access.index}` : table.tableArn],
          conditions: access.leadingKeyPrefix
            ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${access.leadingKeyPrefix}*`] } }
            : undefined,
        }),
      );
    }
    if (service.publishes) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'PublishToStream',
          actions: [...OTHER_GRANTS.publish],
          resources: [this.stream.streamArn],
        }),
      );
      if (this.streamKey) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'EncryptStreamRecords',
            actions: [...OTHER_GRANTS.encrypt],
            resources: [this.streamKey.keyArn],
            // Only when Kinesis uses the key on the function's behalf (PutRecords), never directly.
            conditions: kinesisViaService(this),
          }),
        );
      }
    }
    if (service.sendsEmail && settings.emailSender) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'SendEmailFromConfiguredSender',
          actions: [...OTHER_GRANTS.sendEmail],
          resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
          conditions: { StringEquals: { 'ses:FromAddress': settings.emailSender } },
        }),
      );
      Validations.of(serviceFunction.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]`,
        reason:
          'SES authorizes SendEmail against the sender identity and, in the SES sandbox, every recipient identity, so ' +
          'the resource must be identity/*; the statement is restricted by the ses:FromAddress condition to the configured sender.',
      });
    }
  }
}

/**
 * Gives a resource a readable, stable logical ID (e.g. `SagaStreamConsumer`) instead of
 * the path-hashed one, so the template reads well and the local runtime's logs name things clearly.
 */
function pinLogicalId(construct: IConstruct, logicalId: string): void {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (!resource) throw new Error(`pinLogicalId: no default child under ${construct.node.path}`);
  resource.overrideLogicalId(logicalId);
}
