/**
 * The local X-Ray backend's storage: segment documents as the daemon receives them, kept within a
 * bound (oldest traces dropped first), assembled per trace as X-Ray's BatchGetTraces returns them
 * and searchable by annotation as `annotation.orderId = "…"` is in the X-Ray console.
 *
 * A Lambda function's SDK streams every subsegment on its own (the facade segment is never sent,
 * streaming threshold 0), as `{ type: 'subsegment', trace_id, parent_id }`: they are nested back
 * under their parent here, so a trace reads as one tree per segment.
 */

/** An X-Ray segment or subsegment document (segmentdocuments schema), the fields used locally named. */
export interface SegmentDocument {
  readonly id: string;
  readonly trace_id?: string;
  readonly parent_id?: string;
  readonly type?: 'subsegment';
  readonly name: string;
  readonly start_time: number;
  readonly end_time?: number;
  readonly in_progress?: boolean;
  readonly origin?: string;
  readonly namespace?: string;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
  readonly cause?: unknown;
  readonly annotations?: Readonly<Record<string, string | number | boolean>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly aws?: Readonly<Record<string, unknown>>;
  readonly http?: Readonly<Record<string, unknown>>;
  readonly subsegments?: readonly SegmentDocument[];
  readonly [field: string]: unknown;
}

/** One trace as stored: its documents by id, in arrival order. */
interface StoredTrace {
  readonly documents: Map<string, SegmentDocument>;
}

export interface SegmentStoreOptions {
  /** Most traces kept; the oldest are dropped first. @default 5_000 */
  readonly maxTraces?: number;
}

export class SegmentStore {
  private readonly traces = new Map<string, StoredTrace>();
  private readonly maxTraces: number;
  private droppedTraces = 0;

  public constructor(options: SegmentStoreOptions = {}) {
    this.maxTraces = options.maxTraces ?? 5_000;
  }

  /** Traces dropped to stay within the bound (an old order's waterfall may then be partial). */
  public get dropped(): number {
    return this.droppedTraces;
  }

  public get traceCount(): number {
    return this.traces.size;
  }

  /** Keeps a document; a later one with the same id (the closed version of an in-progress one) replaces it. */
  public put(document: SegmentDocument): void {
    const traceId = document.trace_id;
    if (typeof traceId !== 'string' || typeof document.id !== 'string') return;
    let trace = this.traces.get(traceId);
    if (!trace) {
      trace = { documents: new Map() };
      this.traces.set(traceId, trace);
      this.evictOldest();
    }
    trace.documents.set(document.id, document);
  }

  /** Ids of the traces where any (sub)segment carries annotation `key` = `value`, oldest first. */
  public traceIdsAnnotated(key: string, value: string): string[] {
    const matching: string[] = [];
    for (const [traceId, trace] of this.traces) {
      for (const document of trace.documents.values()) {
        if (hasAnnotation(document, key, value)) {
          matching.push(traceId);
          break;
        }
      }
    }
    return matching;
  }

  /**
   * The trace's segments, each with its subsegments nested (streamed subsegments under their
   * parent), as BatchGetTraces' segment documents. A subsegment whose parent never arrived is
   * returned at the top level rather than lost.
   */
  public segmentsOf(traceId: string): SegmentDocument[] {
    const trace = this.traces.get(traceId);
    if (!trace) return [];
    const children = new Map<string, SegmentDocument[]>();
    const roots: SegmentDocument[] = [];
    const known = new Set(trace.documents.keys());
    for (const document of trace.documents.values()) {
      const parent = document.type === 'subsegment' ? document.parent_id : undefined;
      if (parent !== undefined && known.has(parent)) {
        const siblings = children.get(parent) ?? [];
        siblings.push(document);
        children.set(parent, siblings);
      } else {
        roots.push(document);
      }
    }
    const nest = (document: SegmentDocument): SegmentDocument => {
      const streamed = children.get(document.id) ?? [];
      const own = (document.subsegments ?? []).map(nest);
      const subsegments = [...own, ...streamed.map(nest)].sort((a, b) => a.start_time - b.start_time);
      return subsegments.length > 0 ? { ...document, subsegments } : document;
    };
    return roots.map(nest).sort((a, b) => a.start_time - b.start_time);
  }

  /** Every document of the trace, flattened (subsegments included), with its depth in the tree. */
  public flattened(traceId: string): Array<{ document: SegmentDocument; depth: number }> {
    const out: Array<{ document: SegmentDocument; depth: number }> = [];
    const walk = (document: SegmentDocument, depth: number): void => {
      out.push({ document, depth });
      for (const sub of document.subsegments ?? []) walk(sub, depth + 1);
    };
    for (const segment of this.segmentsOf(traceId)) walk(segment, 0);
    return out;
  }

  private evictOldest(): void {
    while (this.traces.size > this.maxTraces) {
      const oldest = this.traces.keys().next().value;
      if (oldest === undefined) return;
      this.traces.delete(oldest);
      this.droppedTraces++;
    }
  }
}

/** Whether the document or one of its nested subsegments carries the annotation. */
export function hasAnnotation(document: SegmentDocument, key: string, value: string): boolean {
  const annotated = document.annotations?.[key];
  if (annotated !== undefined && String(annotated) === value) return true;
  return (document.subsegments ?? []).some((sub) => hasAnnotation(sub, key, value));
}
