import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { EventPayload, EventType } from './events';

/**
 * The one envelope every record on the stream carries, commands and events alike.
 * The partition key of every record is `orderId`, so all records of one order land
 * in one shard, in order.
 */
export const EventEnvelopeSchema = z.object({
  /** Unique per logical event; consumers deduplicate on it. */
  eventId: z.string().min(1),
  eventType: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'eventType must be UPPER_SNAKE_CASE'),
  eventVersion: z.number().int().positive(),
  /** ISO-8601 timestamp of when the fact happened (or the command was issued). */
  occurredAt: z.iso.datetime({ offset: true }),
  orderId: z.string().min(1),
  /** Id shared by every record of one order's flow (the ORDER_CREATED eventId). */
  correlationId: z.string().min(1),
  /** eventId of the record that caused this one (itself for the first record). */
  causationId: z.string().min(1),
  /**
   * X-Ray trace id (`1-…-…`) of the API request that started this record's chain, when it was
   * traced; copied to every record it causes. Consumers put it in their subsegment's metadata:
   * a link between traces, not a join (each hop is a trace of its own). Optional: older records lack it.
   */
  traceId: z.string().min(1).max(128).optional(),
  payload: z.record(z.string(), z.unknown()),
});

export type EventEnvelope<P extends Record<string, unknown> = Record<string, unknown>> = Omit<
  z.infer<typeof EventEnvelopeSchema>,
  'payload'
> & { payload: P };

/**
 * Parses and validates an envelope from raw JSON text. Throws `InvalidEnvelopeError`
 * with the failing field paths when the text is not a valid envelope.
 */
export function parseEnvelope(json: string): EventEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new InvalidEnvelopeError(`record data is not JSON: ${(error as Error).message}`, []);
  }
  const result = EventEnvelopeSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidEnvelopeError(`invalid event envelope: ${issues.join('; ')}`, issues);
  }
  return result.data as EventEnvelope;
}

export class InvalidEnvelopeError extends Error {
  public readonly name = 'InvalidEnvelopeError';
  public constructor(
    message: string,
    public readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/**
 * A deterministic event id: the same cause and type always give the same id, so a
 * consumer that is redelivered a record and republishes what it caused republishes
 * the *same* events, which downstream consumers then deduplicate by eventId.
 * Formatted as a UUID (v5-style layout) for readability in logs.
 */
export function deterministicEventId(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16) + hex.slice(18, 20),
    hex.slice(20, 32),
  ].join('-');
}

/** The envelope of a record of type `T`: its payload typed by the schema of `T` (contract/events.ts). */
export type EventOf<T extends EventType> = EventEnvelope<EventPayload<T>> & { readonly eventType: T };

/**
 * Input to build the envelope of a record caused by another record. `eventType` must be a
 * known type and `payload` the shape its schema gives, so a misspelled type or a wrong
 * payload does not compile (instead of being published and skipped by every consumer).
 */
export interface CausedEventInput<T extends EventType> {
  readonly eventType: T;
  readonly eventVersion?: number;
  readonly payload: EventPayload<T>;
  /** When the new fact happened; defaults to now. */
  readonly occurredAt?: string;
}

/**
 * Builds the envelope of a record caused by `cause`: same orderId and correlationId,
 * causationId = cause.eventId, and an eventId derived from (cause.eventId, eventType)
 * so that reprocessing the cause yields the identical event.
 */
export function causedBy<T extends EventType>(
  cause: Pick<EventEnvelope, 'eventId' | 'orderId' | 'correlationId' | 'traceId'>,
  input: CausedEventInput<T>,
): EventOf<T> {
  return {
    eventId: deterministicEventId(cause.eventId, input.eventType),
    eventType: input.eventType,
    eventVersion: input.eventVersion ?? 1,
    occurredAt: input.occurredAt ?? new Date().toISOString(),
    orderId: cause.orderId,
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    ...withTraceId(cause.traceId),
    payload: input.payload,
  };
}

/** Input to build the envelope of a record nothing on the stream caused (it causes itself). */
export interface OriginEventInput<T extends EventType> {
  readonly eventId: string;
  readonly eventType: T;
  readonly orderId: string;
  /** The order's flow (the ORDER_CREATED eventId); defaults to `eventId` (this record starts the flow). */
  readonly correlationId?: string;
  readonly occurredAt: string;
  readonly payload: EventPayload<T>;
  /** X-Ray trace id of the request that starts the chain; omitted when it was not traced. */
  readonly traceId?: string;
}

/**
 * Builds the envelope of a record that starts from outside the stream (an API request, the
 * deadline sweeper): causationId = eventId, version 1.
 */
export function originEvent<T extends EventType>(input: OriginEventInput<T>): EventOf<T> {
  return {
    eventId: input.eventId,
    eventType: input.eventType,
    eventVersion: 1,
    occurredAt: input.occurredAt,
    orderId: input.orderId,
    correlationId: input.correlationId ?? input.eventId,
    causationId: input.eventId,
    ...withTraceId(input.traceId),
    payload: input.payload,
  };
}

/** The `traceId` field when there is one: absent, not `undefined`, so records stay byte-identical without it. */
const withTraceId = (traceId: string | undefined): { traceId?: string } => (traceId ? { traceId } : {});
