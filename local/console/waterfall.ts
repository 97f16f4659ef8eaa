import type { SegmentDocument, SegmentStore } from '../xray/segment-store';

/**
 * One order's X-Ray traces on one time axis, as the console draws them: every trace with a
 * (sub)segment annotated with the order's key (X-Ray's `annotation.orderId = "…"`), each
 * (sub)segment a row with its offset and duration from the first segment's start. A consumer's
 * invocation carries the records of other orders too: their record subsegments (annotated with
 * another value of the same key) are left out, so the waterfall shows this order's work.
 */

export interface WaterfallRow {
  readonly traceId: string;
  readonly id: string;
  readonly name: string;
  /** 0 = a segment; subsegments one deeper than their parent. */
  readonly depth: number;
  /** What the row is: Lambda's segments, an AWS call (DynamoDB, Kinesis), or the function's own subsegment. */
  readonly kind: 'lambda' | 'function' | 'aws' | 'subsegment';
  /** Milliseconds from the waterfall's start. */
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly error: boolean;
  readonly fault: boolean;
  readonly throttle: boolean;
  readonly inProgress: boolean;
  /** The exception's message when the row carries one. */
  readonly cause?: string;
  /** The AWS call's operation (e.g. PutRecords), for `aws` rows. */
  readonly operation?: string;
  readonly annotations: Readonly<Record<string, string | number | boolean>>;
}

export interface Waterfall {
  readonly annotation: { readonly key: string; readonly value: string };
  /** ISO time of the first segment's start (offset 0). */
  readonly startedAt?: string;
  readonly totalMs: number;
  readonly traceIds: readonly string[];
  readonly rows: readonly WaterfallRow[];
  /** The store dropped old traces: an old order's waterfall may be partial. */
  readonly truncated: boolean;
}

export function waterfallOf(store: SegmentStore, key: string, value: string): Waterfall {
  const traceIds = store.traceIdsAnnotated(key, value);
  // rows with their absolute start (epoch seconds) until the origin is known
  const rows: Array<{ row: Omit<WaterfallRow, 'offsetMs'>; start: number }> = [];
  let end = 0;
  for (const traceId of traceIds) {
    const walk = (document: SegmentDocument, depth: number): void => {
      const other = document.annotations?.[key];
      if (other !== undefined && String(other) !== value) return; // another order's record
      const stop = document.end_time ?? document.start_time;
      end = Math.max(end, stop);
      const row = {
        traceId,
        id: document.id,
        name: document.name,
        depth,
        kind: kindOf(document),
        durationMs: Math.round((stop - document.start_time) * 1000),
        error: document.error === true,
        fault: document.fault === true,
        throttle: document.throttle === true,
        inProgress: document.in_progress === true,
        ...causeOf(document),
        ...operationOf(document),
        annotations: document.annotations ?? {},
      };
      rows.push({ row, start: document.start_time });
      for (const sub of document.subsegments ?? []) walk(sub, depth + 1);
    };
    for (const segment of store.segmentsOf(traceId)) walk(segment, 0);
  }
  const origin = rows.reduce((min, { start }) => Math.min(min, start), Number.POSITIVE_INFINITY);
  const found = rows.length > 0;
  return {
    annotation: { key, value },
    ...(found ? { startedAt: new Date(origin * 1000).toISOString() } : {}),
    totalMs: found ? Math.round((end - origin) * 1000) : 0,
    traceIds,
    rows: rows.map(({ row, start }) => ({ ...row, offsetMs: Math.round((start - origin) * 1000) })),
    truncated: store.dropped > 0,
  };
}

/**
 * Whether the invocation traced as `traceId` processed the record `eventId` (the stream consumer
 * opens a `### <eventType>` subsegment with metadata eventId for each record it handles, none for
 * a record it skips); undefined when the trace is not (or no longer) in the store.
 */
export function handledInTrace(store: SegmentStore, traceId: string, eventId: string): boolean | undefined {
  const documents = store.flattened(traceId);
  if (documents.length === 0) return undefined;
  return documents.some(({ document }) => metadataOf(document, 'eventId') === eventId);
}

function kindOf(document: SegmentDocument): WaterfallRow['kind'] {
  if (document.origin === 'AWS::Lambda') return 'lambda';
  if (document.origin === 'AWS::Lambda::Function') return 'function';
  if (document.namespace === 'aws') return 'aws';
  return 'subsegment';
}

function causeOf(document: SegmentDocument): { cause?: string } {
  const exceptions = (document.cause as { exceptions?: { message?: unknown; type?: unknown }[] } | undefined)
    ?.exceptions;
  const first = exceptions?.[0];
  if (!first) return {};
  return { cause: [first.type, first.message].filter((part) => typeof part === 'string').join(': ') };
}

function operationOf(document: SegmentDocument): { operation?: string } {
  const operation = document.aws?.operation;
  return typeof operation === 'string' ? { operation } : {};
}

/** A metadata value of the default namespace (X-Ray SDK's addMetadata without a namespace). */
function metadataOf(document: SegmentDocument, key: string): unknown {
  const namespace = document.metadata?.default as Record<string, unknown> | undefined;
  return namespace?.[key];
}
