import { BatchProcessor, EventType as BatchEventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import {
  CURRENT_EVENT_VERSION,
  EventPayloadSchemas,
  isKnownEventType,
  type EventPayload,
  type EventType,
} from '../domain/events';
import { parseEnvelope, type EventEnvelope } from './envelope';
import { type FaultInjector, faultInjectorFromEnv, InjectedFaultError } from './fault-injection';
import { logger, metrics, tracer } from './powertools';

/** What a consumer does with one record of a type it cares about. */
export type RecordHandlers = {
  readonly [T in EventType]?: (event: EventEnvelope<EventPayload<T>>) => Promise<void>;
};

export interface StreamConsumerOptions {
  /** Handlers by eventType. Records of any other type are skipped (logged, counted). */
  readonly handlers: RecordHandlers;
  /**
   * Local-only fault switch (soak tests), see shared/fault-injection.ts; null = off.
   * @default from ORDERSTREAM_FAULT_RATE (off when unset)
   */
  readonly faults?: FaultInjector | null;
}

/** The same handler for each of `eventTypes` (a consumer whose use case dispatches itself). */
export function handleAll(
  eventTypes: readonly EventType[],
  handle: (event: EventEnvelope) => Promise<void>,
): RecordHandlers {
  return Object.fromEntries(eventTypes.map((eventType) => [eventType, handle])) as RecordHandlers;
}

/**
 * Raised for a record that can never succeed as it is (bad JSON, bad envelope or
 * payload, unsupported version). Reported as a batch item failure, so after the
 * mapping's bounded retries it lands in the on-failure destination, kept, not lost.
 */
export class PoisonRecordError extends Error {
  public readonly name = 'PoisonRecordError';
}

/** An earlier record of the same order failed in this batch: keep the order's order. */
export class BlockedByEarlierFailureError extends Error {
  public readonly name = 'BlockedByEarlierFailureError';
}

/**
 * Builds a Kinesis consumer Lambda handler that returns a partial batch response.
 *
 * Records are processed one after another, in stream order. When a record fails, the
 * later records of the SAME partition key (order) in this batch are not processed and
 * are reported failed too: Lambda resumes from the lowest failed sequence number, so
 * they come again, and processing them now would apply an order's events out of order.
 * Records of other orders are processed normally, and come again on the retry.
 *
 * EXACTLY ONCE. There is no per-record idempotency store here: every handler is its own
 * guard, the cheapest one that survives a crash at any point (saga: versioned journal;
 * inventory: reservation items; payment and shipping: outcome ledger, first writer wins;
 * email: ledger claim with a short lease; projector: forward-only versioned view). Each
 * answers a redelivered record by repeating its recorded outcome (same eventId) without
 * repeating the effect, so a record whose handler died anywhere completes on redelivery.
 * (A per-record Powertools idempotency record cost x117 the bare consumer and its
 * in-progress lock outlived a crashed invocation, parking redeliveries until they failed.)
 */
export function createStreamConsumer(
  options: StreamConsumerOptions,
): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
  const faults = options.faults === null ? undefined : (options.faults ?? faultInjectorFromEnv());
  const run = (envelope: EventEnvelope): Promise<void> => {
    const dispatch = (): Promise<void> => dispatchToHandler(options.handlers, envelope);
    return faults ? faults(dispatch) : dispatch();
  };

  return async (event, context) => {
    const processor = new BatchProcessor(BatchEventType.KinesisDataStreams);
    const failedPartitionKeys = new Set<string>();

    const handleRecord = async (record: KinesisStreamRecord): Promise<void> => {
      const { partitionKey, sequenceNumber } = record.kinesis;
      if (failedPartitionKeys.has(partitionKey)) {
        throw new BlockedByEarlierFailureError(`an earlier record of partition ${partitionKey} failed in this batch`);
      }
      try {
        const envelope = decode(record, options.handlers);
        if (!envelope) return;
        logger.appendKeys({ orderId: envelope.orderId, eventId: envelope.eventId, eventType: envelope.eventType });
        await run(envelope);
      } catch (error) {
        failedPartitionKeys.add(partitionKey);
        logger.error('record failed', { sequenceNumber, partitionKey, error: error as Error });
        metrics.addMetric(error instanceof PoisonRecordError ? 'PoisonRecords' : 'FailedRecords', MetricUnit.Count, 1);
        if (error instanceof InjectedFaultError) metrics.addMetric('InjectedFaults', MetricUnit.Count, 1);
        throw error;
      } finally {
        logger.removeKeys(['orderId', 'eventId', 'eventType']);
      }
    };

    try {
      logger.addContext(context);
      const response = await processPartialResponse(event, handleRecord, processor, {
        context,
        processInParallel: false,
      });
      metrics.addMetric('ProcessedRecords', MetricUnit.Count, event.Records.length - response.batchItemFailures.length);
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** Parses the record; undefined when it is of a type this consumer does not handle. */
function decode(record: KinesisStreamRecord, handlers: RecordHandlers): EventEnvelope | undefined {
  let envelope: EventEnvelope;
  try {
    envelope = parseEnvelope(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  } catch (error) {
    throw new PoisonRecordError((error as Error).message);
  }
  const eventType = envelope.eventType;
  if (!isKnownEventType(eventType) || !handlers[eventType]) {
    logger.debug('record skipped: not handled by this consumer', { eventType, eventId: envelope.eventId });
    metrics.addMetric('SkippedRecords', MetricUnit.Count, 1);
    return undefined;
  }
  if (envelope.eventVersion !== CURRENT_EVENT_VERSION) {
    throw new PoisonRecordError(
      `unsupported ${eventType} version ${envelope.eventVersion} (this consumer reads version ${CURRENT_EVENT_VERSION})`,
    );
  }
  const payload = EventPayloadSchemas[eventType].safeParse(envelope.payload);
  if (!payload.success) {
    const issues = payload.error.issues.map((issue) => `payload.${issue.path.join('.')}: ${issue.message}`);
    throw new PoisonRecordError(`invalid ${eventType} payload: ${issues.join('; ')}`);
  }
  return { ...envelope, payload: payload.data as Record<string, unknown> };
}

async function dispatchToHandler(handlers: RecordHandlers, envelope: EventEnvelope): Promise<void> {
  const handler = handlers[envelope.eventType as EventType] as ((event: EventEnvelope) => Promise<void>) | undefined;
  if (!handler) return;
  const subsegmentName = `### ${envelope.eventType}`;
  const parent = tracer.getSegment();
  const subsegment = parent?.addNewSubsegment(subsegmentName);
  if (subsegment) tracer.setSegment(subsegment);
  try {
    tracer.putAnnotation('orderId', envelope.orderId);
    await handler(envelope);
  } finally {
    subsegment?.close();
    if (parent) tracer.setSegment(parent);
  }
}
