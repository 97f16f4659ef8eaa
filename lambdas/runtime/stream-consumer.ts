import { EventType as BatchEventType, BatchProcessor, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type EventEnvelope, parseEnvelope } from '../contract/envelope';
import { ENV } from '../contract/environment';
import {
  CURRENT_EVENT_VERSION,
  type EventPayload,
  EventPayloadSchemas,
  type EventType,
  isKnownEventType,
} from '../contract/events';
import { CONSUMER_CONCURRENCY, DEFAULT_CONSUMER_CONCURRENCY } from '../contract/limits';
import { integerEnv } from './config';
import { type FaultInjector, faultInjectorFromEnv, InjectedFaultError } from './fault-injection';
import { logger, metrics, tracer, withRecordLogKeys } from './powertools';

/** What a consumer does with one record of a type it cares about. */
export type RecordHandlers = {
  readonly [T in EventType]?: (event: EventEnvelope<EventPayload<T>>) => Promise<void>;
};

/**
 * How many orders (partition keys) of one batch a consumer works on at once.
 * A record waits for 2-4 calls one after another (DynamoDB ~5 ms, Kinesis ~10 ms on AWS, the reads
 * and publishes shared with other records: adapters/dynamodb-coalescing-item-reader.ts,
 * adapters/coalescing-event-publisher.ts): 20-25 ms, so one record at a time caps a shard at
 * ~40-50 records/s per consumer. 32 at once covers a
 * shard's 1,000 records/s ingress with room (32 / 25 ms = 1,280/s), as long as the function's
 * CPU keeps up (see bench/consumers.ts); the SDK's 50 sockets per client are not exhausted.
 */

export interface StreamConsumerOptions {
  /** Handlers by eventType. Records of any other type are skipped (logged, counted). */
  readonly handlers: RecordHandlers;
  /**
   * Local-only fault switch (soak tests), see runtime/fault-injection.ts; null = off.
   * @default from ORDERSTREAM_FAULT_RATE (off when unset)
   */
  readonly faults?: FaultInjector | null;
  /**
   * Orders (partition keys) of a batch processed at once; 1 = one record at a time, in stream order.
   * @default ORDERSTREAM_CONSUMER_CONCURRENCY, else DEFAULT_CONSUMER_CONCURRENCY (32)
   */
  readonly concurrency?: number;
}

/** A Kinesis consumer Lambda handler with a partial batch response. */
export type StreamConsumerHandler = (
  event: KinesisStreamEvent,
  context: Context,
) => Promise<KinesisStreamBatchResponse>;

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
 * ORDER. Records of one partition key (order) are processed strictly one after another, in
 * stream order; records of different orders are processed concurrently, at most
 * `concurrency` at once (a FIFO of slots, so no order starves). When a record fails, the
 * later records of the SAME partition key in this batch are not processed and are reported
 * failed too: Lambda resumes from the lowest failed sequence number, so they come again,
 * and processing them now would apply an order's events out of order. Records of other
 * orders are processed normally (and, after the lowest failure, come again on the retry).
 *
 * CONTEXT. Each record runs in its own async context: log lines carry its orderId, eventId
 * and eventType (runtime/powertools.ts `withRecordLogKeys`), and its X-Ray subsegment
 * `### <eventType>` is the current segment of its own SDK calls, annotated with orderId and
 * correlationId, linked to the upstream API trace (`traceId` of the envelope) and carrying
 * the error when the record fails.
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
export function createStreamConsumer(options: StreamConsumerOptions): StreamConsumerHandler {
  const faults = options.faults === null ? undefined : (options.faults ?? faultInjectorFromEnv());
  const concurrency =
    options.concurrency ?? integerEnv(ENV.consumerConcurrency, DEFAULT_CONSUMER_CONCURRENCY, CONSUMER_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`createStreamConsumer: concurrency must be a positive integer; got ${concurrency}`);
  }
  const run = (envelope: EventEnvelope): Promise<void> =>
    inRecordSubsegment(envelope, () => {
      const dispatch = (): Promise<void> => dispatchToHandler(options.handlers, envelope);
      return faults ? faults(dispatch) : dispatch();
    });

  return async (event, context) => {
    const processor = new BatchProcessor(BatchEventType.KinesisDataStreams);
    const failedPartitionKeys = new Set<string>();
    const inOrder = keyedQueue(concurrency);

    const processRecord = async (record: KinesisStreamRecord): Promise<void> => {
      const { partitionKey, sequenceNumber } = record.kinesis;
      if (failedPartitionKeys.has(partitionKey)) {
        throw new BlockedByEarlierFailureError(`an earlier record of partition ${partitionKey} failed in this batch`);
      }
      const fail = (error: unknown): never => {
        failedPartitionKeys.add(partitionKey);
        logger.error('record failed', { sequenceNumber, partitionKey, error: error as Error });
        metrics.addMetric(error instanceof PoisonRecordError ? 'PoisonRecords' : 'FailedRecords', MetricUnit.Count, 1);
        if (error instanceof InjectedFaultError) metrics.addMetric('InjectedFaults', MetricUnit.Count, 1);
        throw error;
      };
      let envelope: EventEnvelope | undefined;
      try {
        envelope = decode(record, options.handlers);
      } catch (error) {
        fail(error);
      }
      if (!envelope) return;
      const decoded = envelope;
      const keys = { orderId: decoded.orderId, eventId: decoded.eventId, eventType: decoded.eventType };
      await withRecordLogKeys(keys, () => run(decoded).catch(fail));
    };

    try {
      logger.addContext(context);
      // In parallel, Powertools calls the record handler for every record at once and maps each
      // rejection to its sequence number; the keyed queue turns that into per-order sequences.
      const response =
        concurrency === 1
          ? await processPartialResponse(event, processRecord, processor, { context, processInParallel: false })
          : await processPartialResponse(
              event,
              (record: KinesisStreamRecord) => inOrder(record.kinesis.partitionKey, () => processRecord(record)),
              processor,
              { context, processInParallel: true },
            );
      metrics.addMetric('ProcessedRecords', MetricUnit.Count, event.Records.length - response.batchItemFailures.length);
      return response;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/**
 * Runs tasks so that those of one key run one after another, in call order, and at most
 * `limit` run at once overall (waiting tasks take free slots first come, first served).
 * A task's failure does not stop the next task of its key: that one decides for itself.
 */
export function keyedQueue(limit: number): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  const waiting: (() => void)[] = [];
  let running = 0;
  const acquire = (): Promise<void> => {
    if (running < limit) {
      running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(acquire).then(async () => {
      try {
        return await task();
      } finally {
        release();
      }
    });
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    // Forget a key once its last task is done, so the map only holds keys with work queued.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
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
  if (handler) await handler(envelope);
}

/**
 * Runs `work` in the record's own X-Ray subsegment `### <eventType>`, made current in a context
 * of its own (records run concurrently: setting it on the shared context would hand one
 * record's SDK calls to another's subsegment). Searchable by `annotation.orderId` and
 * `annotation.correlationId`; `upstreamTraceId` links the API request that started the order.
 */
async function inRecordSubsegment(envelope: EventEnvelope, work: () => Promise<void>): Promise<void> {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!parent) return work();
  const subsegment = parent.addNewSubsegment(`### ${envelope.eventType}`);
  subsegment.addAnnotation('orderId', envelope.orderId);
  subsegment.addAnnotation('correlationId', envelope.correlationId);
  // Which record this is (the local console tells handled records from skipped ones by it).
  subsegment.addMetadata('eventId', envelope.eventId);
  // The API request's trace (contract/envelope.ts traceId, copied by causedBy down the whole flow).
  const upstream = envelope.traceId;
  if (upstream) {
    subsegment.addAnnotation('upstreamTraceId', upstream);
    subsegment.addMetadata('upstreamTraceId', upstream);
  }
  try {
    await tracer.provider.getNamespace().runAndReturn(() => {
      tracer.setSegment(subsegment);
      return work();
    });
  } catch (error) {
    subsegment.addError(error as Error);
    throw error;
  } finally {
    subsegment.close();
  }
}
