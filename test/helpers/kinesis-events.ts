import { randomUUID } from 'node:crypto';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { EventEnvelope } from '../../lambdas/contract/envelope';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/orderstream-test';

/** A valid envelope with sensible defaults; override any field. */
export function anEnvelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const eventId = overrides.eventId ?? randomUUID();
  return {
    eventId,
    eventType: 'ORDER_CREATED',
    eventVersion: 1,
    occurredAt: new Date().toISOString(),
    orderId: overrides.orderId ?? randomUUID(),
    correlationId: eventId,
    causationId: eventId,
    payload: {},
    ...overrides,
  };
}

/** A Kinesis record as Lambda delivers it, carrying `data` (an envelope or any raw string). */
export function aKinesisRecord(data: EventEnvelope | string, index = 0, partitionKey?: string): KinesisStreamRecord {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const sequenceNumber = (49_600_000_000_000_000_000_000_000_000n + BigInt(index)).toString();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: partitionKey ?? (typeof data === 'string' ? 'raw' : data.orderId),
      sequenceNumber,
      data: Buffer.from(text, 'utf8').toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
}

export function aKinesisEvent(records: readonly (EventEnvelope | string)[]): KinesisStreamEvent {
  return { Records: records.map((record, index) => aKinesisRecord(record, index)) };
}

export function aLambdaContext(functionName = 'orderstream-test'): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
