import type { KinesisStreamEvent, KinesisStreamRecord } from './types';

/** A record read from a shard, as the engine keeps it. */
export interface ShardRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly approximateArrivalTimestamp: Date;
  /** The record as Lambda delivers it (with-kinesis: "Example Kinesis record event"). */
  readonly lambdaRecord: KinesisStreamRecord;
  /** Bytes this record adds to the JSON invocation payload. */
  readonly payloadBytes: number;
}

export interface EventContext {
  readonly region: string;
  readonly streamArn: string;
  readonly invokeIdentityArn: string;
}

export function toShardRecord(
  shardId: string,
  raw: { SequenceNumber?: string; PartitionKey?: string; Data?: Uint8Array; ApproximateArrivalTimestamp?: Date },
  context: EventContext,
): ShardRecord {
  const sequenceNumber = raw.SequenceNumber ?? '';
  const partitionKey = raw.PartitionKey ?? '';
  const data = Buffer.from(raw.Data ?? new Uint8Array());
  const arrival = raw.ApproximateArrivalTimestamp ?? new Date();
  const lambdaRecord: KinesisStreamRecord = {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: data.toString('base64'),
      // seconds since the epoch, with milliseconds as the fraction (e.g. 1545084650.987)
      approximateArrivalTimestamp: arrival.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: context.invokeIdentityArn,
    awsRegion: context.region,
    // the STREAM ARN, also when the mapping reads through an enhanced fan-out consumer
    eventSourceARN: context.streamArn,
  };
  return {
    shardId,
    sequenceNumber,
    partitionKey,
    data,
    approximateArrivalTimestamp: arrival,
    lambdaRecord,
    payloadBytes: Buffer.byteLength(JSON.stringify(lambdaRecord)) + 1,
  };
}

export function toEvent(records: readonly ShardRecord[]): KinesisStreamEvent {
  return { Records: records.map((r) => r.lambdaRecord) };
}

/** Synchronous invocation payload quota: 6 MB (request). */
export const MAX_INVOCATION_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Bytes of `{"Records":[]}`. */
export const EVENT_ENVELOPE_BYTES = Buffer.byteLength('{"Records":[]}');
