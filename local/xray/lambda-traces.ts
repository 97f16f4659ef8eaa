import { randomBytes } from 'node:crypto';
import type { SegmentDocument, SegmentStore } from './segment-store';

/**
 * What Lambda itself does for a function with active tracing (TracingConfig Mode Active): each
 * invocation starts a trace (Kinesis event-source mappings and schedules carry none in; the HTTP
 * API does not trace), the function gets the trace header as `_X_AMZN_TRACE_ID`, and Lambda
 * records two segments of its own, the `AWS::Lambda` service segment and the
 * `AWS::Lambda::Function` segment the SDK's subsegments hang under (the header's Parent).
 * Locally every invocation is sampled (Lambda's default rule samples 1/s and 5% beyond).
 */

export interface TracedFunction {
  readonly functionName: string;
  readonly functionArn: string;
}

export interface InvocationTrace {
  readonly traceId: string;
  /** The `_X_AMZN_TRACE_ID` value: `Root=…;Parent=…;Sampled=1`. */
  readonly header: string;
  /** Records Lambda's segments once the invocation is over; an error marks the function segment faulted. */
  end(outcome: { readonly error?: { readonly type: string; readonly message: string } }): void;
}

export class LambdaTraces {
  public constructor(
    private readonly store: SegmentStore,
    private readonly now: () => number = Date.now,
  ) {}

  public begin(fn: TracedFunction, requestId: string, coldStart: boolean): InvocationTrace {
    const startedAt = this.now() / 1000;
    const traceId = newTraceId(startedAt);
    const serviceSegmentId = newSegmentId();
    const functionSegmentId = newSegmentId();
    return {
      traceId,
      header: `Root=${traceId};Parent=${functionSegmentId};Sampled=1`,
      end: ({ error }) => {
        const endedAt = this.now() / 1000;
        const failed = error
          ? { fault: true, cause: { exceptions: [{ id: newSegmentId(), type: error.type, message: error.message }] } }
          : {};
        const service: SegmentDocument = {
          id: serviceSegmentId,
          trace_id: traceId,
          name: fn.functionName,
          origin: 'AWS::Lambda',
          start_time: startedAt,
          end_time: endedAt,
          aws: { request_id: requestId },
          ...(error ? { error: true } : {}),
        };
        const functionSegment: SegmentDocument = {
          id: functionSegmentId,
          trace_id: traceId,
          parent_id: serviceSegmentId,
          name: fn.functionName,
          origin: 'AWS::Lambda::Function',
          start_time: startedAt,
          end_time: endedAt,
          aws: {
            function_arn: fn.functionArn,
            resource_names: [fn.functionName],
            ...(coldStart ? { cold_start: true } : {}),
          },
          ...failed,
        };
        this.store.put(service);
        this.store.put(functionSegment);
      },
    };
  }
}

/** `1-<8 hex: epoch seconds>-<24 hex>`, X-Ray's trace id format. */
export function newTraceId(epochSeconds: number): string {
  return `1-${Math.floor(epochSeconds).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

function newSegmentId(): string {
  return randomBytes(8).toString('hex');
}
