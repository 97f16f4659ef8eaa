import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { OTHER_GRANTS } from '../services';
import { S3PutOnlyOnFailureDestination } from './s3-put-only-on-failure-destination';
import { METRICS_NAMESPACE, ServiceFunction, type ServiceFunctionProps } from './service-function';

/** Tuning of a consumer's event-source mapping. Every field has a production default. */
export interface ConsumerMappingOptions {
  /**
   * Records per invocation (1..10000).
   * @default 100
   */
  readonly batchSize?: number;

  /**
   * How long Lambda gathers records before invoking (0..300 s). With enhanced fan-out records
   * are pushed, and every hop of the saga adds this window to the end-to-end latency.
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Retries of a failing batch (0..10000; -1 = until expiry is refused). Bisect splits do not
   * count. After the budget the records go to the on-failure destination.
   * @default 5
   */
  readonly maxRetryAttempts?: number;

  /**
   * Records older than this are sent to the on-failure destination instead of being retried
   * (60 s..7 days, and strictly shorter than the stream retention; "-1 / infinite" is refused so
   * one poison record can never block a shard for the stream's whole retention).
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;

  /**
   * Concurrent batches per shard (1..10). Order per partition key (orderId) is kept.
   * @default 1
   */
  readonly parallelizationFactor?: number;
}

/** Defaults of {@link ConsumerMappingOptions}, exported for documentation and tests. */
export const CONSUMER_MAPPING_DEFAULTS = {
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(0),
  maxRetryAttempts: 5,
  maxRecordAge: Duration.hours(6),
  parallelizationFactor: 1,
} as const;

export interface StreamConsumerFunctionProps extends ServiceFunctionProps {
  /** The stream to consume. Must be KMS-encrypted or unencrypted; with a customer key pass `streamKey`. */
  readonly stream: kinesis.IStream;

  /**
   * Retention of `stream`, used to check that `maxRecordAge` is shorter than it.
   * @default Duration.hours(24)
   */
  readonly streamRetention?: Duration;

  /**
   * Customer-managed key of the stream: the function gets `kms:Decrypt` on it.
   * @default - no key grant (the stream uses the AWS-managed key alias/aws/kinesis, whose key
   *            policy allows use by any principal of the account that can read the stream)
   */
  readonly streamKey?: kms.IKey;

  /** Bucket that receives the records of batches that failed for good (S3 on-failure destination). */
  readonly failedRecordsBucket: s3.IBucket;

  /**
   * Event-source mapping tuning.
   * @default - see {@link CONSUMER_MAPPING_DEFAULTS}
   */
  readonly mapping?: ConsumerMappingOptions;

  /**
   * Topic that the consumer's alarms (iterator age, errors) notify.
   * @default - alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Iterator age above which the lag alarm fires.
   * @default Duration.minutes(1)
   */
  readonly iteratorAgeAlarmThreshold?: Duration;
}

/**
 * A consumer service: a {@link ServiceFunction} with its OWN enhanced fan-out consumer
 * (`AWS::Kinesis::StreamConsumer`) and its own event-source mapping on that consumer's ARN,
 * with safe stream defaults (TRIM_HORIZON, partial batch responses, bisect on error, bounded
 * retries and record age, S3 on-failure destination), least-privilege read grants and alarms.
 */
export class StreamConsumerFunction extends Construct {
  public readonly serviceFunction: ServiceFunction;
  public readonly function: lambda.IFunction;
  public readonly streamConsumer: kinesis.StreamConsumer;
  public readonly eventSourceMapping: lambda.EventSourceMapping;
  public readonly iteratorAgeAlarm: cloudwatch.Alarm;
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly failedRecordsAlarm: cloudwatch.Alarm;

  public constructor(scope: Construct, id: string, props: StreamConsumerFunctionProps) {
    super(scope, id);
    const mapping = resolveMappingOptions(props.service, props.mapping, props.streamRetention ?? Duration.hours(24));

    this.serviceFunction = new ServiceFunction(this, 'Service', props);
    this.function = this.serviceFunction.function;

    this.streamConsumer = new kinesis.StreamConsumer(this, 'StreamConsumer', {
      stream: props.stream,
      streamConsumerName: `${props.service}-consumer`,
    });

    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'EventSourceMapping', {
      target: this.function,
      eventSourceArn: this.streamConsumer.streamConsumerArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      batchSize: mapping.batchSize,
      maxBatchingWindow: mapping.maxBatchingWindow,
      retryAttempts: mapping.maxRetryAttempts,
      maxRecordAge: mapping.maxRecordAge,
      parallelizationFactor: mapping.parallelizationFactor,
      onFailure: new S3PutOnlyOnFailureDestination(props.failedRecordsBucket),
      supportS3OnFailureDestination: true,
    });
    // Lambda checks the role's permissions when it creates the mapping: create the role and
    // its policy (a child of the role, also holding later grants) first.
    this.eventSourceMapping.node.addDependency(this.serviceFunction.role);

    // What the Lambda event-source mapping needs for an enhanced fan-out consumer
    // (AWS Lambda developer guide, "Process Kinesis Data Streams records with Lambda").
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadThroughOwnConsumer',
        actions: [...OTHER_GRANTS.ownConsumer],
        resources: [this.streamConsumer.streamConsumerArn],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DescribeStreamShards',
        actions: [...OTHER_GRANTS.streamRead],
        resources: [props.stream.streamArn],
      }),
    );
    if (props.streamKey) {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DecryptStreamRecords',
          actions: [...OTHER_GRANTS.decrypt],
          resources: [props.streamKey.keyArn],
          // Only when Kinesis uses the key on the function's behalf (reading the stream), never directly.
          conditions: kinesisViaService(this),
        }),
      );
    }

    this.iteratorAgeAlarm = new cloudwatch.Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: `orderstream ${props.service}: consumer lags behind the stream`,
      metric: this.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: (props.iteratorAgeAlarmThreshold ?? Duration.minutes(1)).toMilliseconds(),
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `orderstream ${props.service}: function errors (whole batches failing)`,
      metric: this.function.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A record reported in batchItemFailures is no function error: without this alarm a record
    // failing its way into the on-failure bucket (after the retries) would go unnoticed.
    const recordMetric = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.service },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    this.failedRecordsAlarm = new cloudwatch.Alarm(this, 'FailedRecordsAlarm', {
      alarmDescription: `orderstream ${props.service}: records failed (after the mapping's retries they land in the on-failure bucket)`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + poison',
        usingMetrics: { failed: recordMetric('FailedRecords'), poison: recordMetric('PoisonRecords') },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new cwActions.SnsAction(props.alarmTopic);
      for (const alarm of [this.iteratorAgeAlarm, this.errorsAlarm, this.failedRecordsAlarm])
        alarm.addAlarmAction(action);
    }
  }
}

/**
 * IAM condition limiting a grant on the stream key to KMS requests Kinesis makes on the
 * principal's behalf in the stack's region (`kms:ViaService`).
 */
export function kinesisViaService(scope: Construct): Record<string, Record<string, string>> {
  return { StringEquals: { 'kms:ViaService': `kinesis.${Stack.of(scope).region}.amazonaws.com` } };
}

/** Mapping options with defaults filled in and every bound checked. */
export interface ResolvedMappingOptions {
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly maxRetryAttempts: number;
  readonly maxRecordAge: Duration;
  readonly parallelizationFactor: number;
}

/**
 * Fills the defaults and validates the mapping options; throws an Error naming the bad value.
 * @param owner name used in error messages
 * @param streamRetention the stream's retention: `maxRecordAge` must be shorter
 */
export function resolveMappingOptions(
  owner: string,
  options: ConsumerMappingOptions | undefined,
  streamRetention: Duration,
): ResolvedMappingOptions {
  const resolved: ResolvedMappingOptions = {
    batchSize: options?.batchSize ?? CONSUMER_MAPPING_DEFAULTS.batchSize,
    maxBatchingWindow: options?.maxBatchingWindow ?? CONSUMER_MAPPING_DEFAULTS.maxBatchingWindow,
    maxRetryAttempts: options?.maxRetryAttempts ?? CONSUMER_MAPPING_DEFAULTS.maxRetryAttempts,
    maxRecordAge: options?.maxRecordAge ?? CONSUMER_MAPPING_DEFAULTS.maxRecordAge,
    parallelizationFactor: options?.parallelizationFactor ?? CONSUMER_MAPPING_DEFAULTS.parallelizationFactor,
  };
  const fail = (message: string): never => {
    throw new Error(`${owner}: ${message}`);
  };
  const integerIn = (name: string, value: number, min: number, max: number): void => {
    if (Token.isUnresolved(value)) fail(`${name} must be a literal number, not a token`);
    if (!Number.isInteger(value) || value < min || value > max) {
      fail(`${name} must be an integer in ${min}..${max}; got ${value}`);
    }
  };
  integerIn('batchSize', resolved.batchSize, 1, 10000);
  integerIn('maxRetryAttempts', resolved.maxRetryAttempts, 0, 10000);
  integerIn('parallelizationFactor', resolved.parallelizationFactor, 1, 10);
  const windowSeconds = resolved.maxBatchingWindow.toSeconds();
  if (windowSeconds < 0 || windowSeconds > 300) {
    fail(`maxBatchingWindow must be within 0..300 seconds; got ${windowSeconds} s`);
  }
  const ageSeconds = resolved.maxRecordAge.toSeconds();
  if (ageSeconds < 60 || ageSeconds > 604800) {
    fail(`maxRecordAge must be within 60 seconds..7 days (never -1/infinite); got ${ageSeconds} s`);
  }
  if (ageSeconds >= streamRetention.toSeconds()) {
    fail(
      `maxRecordAge (${ageSeconds} s) must be shorter than the stream retention (${streamRetention.toSeconds()} s): ` +
        'otherwise records expire from the stream before they reach the on-failure destination',
    );
  }
  return resolved;
}
