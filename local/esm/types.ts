import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export type { KinesisStreamEvent, KinesisStreamRecord };

/**
 * One Lambda event-source mapping (AWS::Lambda::EventSourceMapping on a Kinesis stream
 * through an enhanced fan-out consumer), with CloudFormation defaults already applied.
 */
export interface MappingConfig {
  /** Stable id (the template logical id); keys checkpoints and on-failure objects (in AWS: the mapping UUID). */
  readonly id: string;
  readonly functionName: string;
  readonly streamArn: string;
  /** EFO consumer ARN: records are read ONLY through SubscribeToShard on it. */
  readonly consumerArn: string;
  /** @default 100 */
  readonly batchSize: number;
  /** @default 0 */
  readonly maximumBatchingWindowInSeconds: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  readonly startingPositionTimestamp?: Date;
  /** 1..10 */
  readonly parallelizationFactor: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** FunctionResponseTypes includes ReportBatchItemFailures. */
  readonly reportBatchItemFailures: boolean;
  /** -1 = infinite */
  readonly maximumRetryAttempts: number;
  /** -1 = infinite */
  readonly maximumRecordAgeInSeconds: number;
  /** Bucket ARN (S3) in the template; locally the FailedRecordSink decides where it goes. */
  readonly onFailureDestination?: string;
  /** FilterCriteria.Filters[].Pattern (JSON strings). */
  readonly filterPatterns?: readonly string[];
  readonly enabled: boolean;
}

export type InvocationResult =
  /** The function returned; payload is its return value (parsed JSON, undefined/null when it returned nothing). */
  | { readonly kind: 'success'; readonly payload: unknown; readonly traceId?: string }
  /** The function threw, timed out (errorType 'Sandbox.Timedout'), or crashed. */
  | { readonly kind: 'error'; readonly errorType: string; readonly errorMessage: string; readonly traceId?: string };
// traceId: the X-Ray trace Lambda started for the invocation (functions with active tracing).

export interface FunctionInvoker {
  invoke(functionName: string, event: KinesisStreamEvent): Promise<InvocationResult>;
}

/** Checkpoint per (mapping, shard): the sequence number of the last record done with, or SHARD_END. */
export interface CheckpointStore {
  load(mappingId: string, shardId: string): Promise<string | undefined>;
  /** `undefined` forgets the shard's checkpoint (read it from its start). */
  save(mappingId: string, shardId: string, sequenceNumber: string | undefined): Promise<void>;
}

/** Checkpoint value of a closed shard whose records were all processed. */
export const SHARD_END = 'SHARD_END';

export interface FailedRecordSink {
  write(mappingId: string, shardId: string, record: OnFailureRecord): Promise<void>;
}

export type OnFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/**
 * Lambda's on-failure invocation record for a Kinesis event source (kinesis-on-failure-destination),
 * as the S3 destination keeps it: with `payload`, the whole invocation event as a JSON string.
 */
export interface OnFailureRecord {
  readonly version: '1.0';
  /** ISO-8601 with milliseconds. */
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: OnFailureCondition;
    readonly approximateInvokeCount: number;
  };
  /**
   * Response of the last invocation. Records that expired before any invocation
   * (RecordAgeExceeded) were never sent to the function: statusCode 0 there (not documented by AWS).
   */
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
  /** The whole invocation event (JSON string), "Only available in S3" per the docs. */
  readonly payload: string;
}

/**
 * Lambda's documented values for the properties an AWS::Lambda::EventSourceMapping may omit
 * (services-kinesis-parameters): -1 = infinite retries / record age.
 */
export const KINESIS_MAPPING_DEFAULTS = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  enabled: true,
} as const satisfies Partial<MappingConfig>;

/**
 * What became of some records of one mapping, reported as it happens (the local console's
 * per-record timeline): `ok` the function took them; `failed` an invocation failed for them (they
 * are retried or bisected); `skipped` the mapping's filter dropped them (never delivered);
 * `sent-to-on-failure` retries or record age ran out (the on-failure destination has them);
 * `discarded` the same without a destination.
 */
export interface RecordOutcomeReport {
  readonly mappingId: string;
  readonly functionName: string;
  readonly shardId: string;
  readonly outcome: 'ok' | 'failed' | 'skipped' | 'sent-to-on-failure' | 'discarded';
  /** Why it failed, e.g. `Error: boom` or `batch item failures reported`. */
  readonly detail?: string;
  /** The X-Ray trace of the invocation that delivered them (ok / failed, functions with active tracing). */
  readonly traceId?: string;
  /** Date.now() when it happened. */
  readonly at: number;
  readonly records: readonly {
    readonly sequenceNumber: string;
    readonly partitionKey: string;
    readonly data: Buffer;
    readonly approximateArrivalTimestamp: Date;
  }[];
}

/** One shard of one mapping, as the engine sees it now. */
export interface ShardSnapshot {
  readonly shardId: string;
  /** Last record done with (processed, skipped or sent to the destination), or SHARD_END. */
  readonly checkpoint?: string;
  /** Records read and not done yet (waiting for a batch, in one, or being retried). */
  readonly outstanding: number;
  /** Arrival time (ms) of the oldest outstanding record. */
  readonly oldestOutstandingArrival?: number;
  /** Records read on the stream after the checkpoint (by any mapping): this mapping's distance to the tip. */
  readonly recordsBehindTip: number;
  /** The reader's lag reported by the stream (MillisBehindLatest of the last event). */
  readonly millisBehindLatest: number;
  /** Invocations that failed (function error or reported batch item failures) since the start. */
  readonly failedInvocations: number;
  /** Batches given up on (sent to the on-failure destination or discarded) since the start. */
  readonly failedBatches: number;
  readonly finished: boolean;
}

export interface MappingSnapshot {
  readonly mappingId: string;
  readonly functionName: string;
  readonly shards: readonly ShardSnapshot[];
}
