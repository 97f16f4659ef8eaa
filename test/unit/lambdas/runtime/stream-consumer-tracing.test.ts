import './tracing-enabled';
import { Segment, type Subsegment } from 'aws-xray-sdk-core';
import type { EventEnvelope } from '../../../../lambdas/contract/envelope';
import { tracer } from '../../../../lambdas/runtime/powertools';
import { createStreamConsumer } from '../../../../lambdas/runtime/stream-consumer';
import { aKinesisEvent, aLambdaContext, anEnvelope } from '../../../helpers/kinesis-events';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `fn` with `segment` as the current X-Ray segment, as the Lambda runtime's facade would be. */
function withinSegment<T>(segment: Segment, fn: () => Promise<T>): Promise<T> {
  return tracer.provider.getNamespace().runAndReturn(() => {
    tracer.setSegment(segment);
    return fn();
  });
}

const recordSubsegments = (segment: Segment): Subsegment[] =>
  (segment.subsegments ?? []).filter((subsegment) => subsegment.name.startsWith('### '));

interface RecordedSubsegment {
  name: string;
  annotations?: Record<string, unknown>;
  metadata?: Record<string, Record<string, unknown>>;
  fault?: boolean;
  cause?: { exceptions: { message: string; type: string }[] };
  subsegments?: RecordedSubsegment[];
  in_progress?: boolean;
}

describe('createStreamConsumer with tracing on', () => {
  it('gives each record its own subsegment: annotated, holding its own calls, with the error of a failing record', async () => {
    // Prepare: two orders at once; each record opens a nested "call" while the other one runs
    expect(tracer.isTracingEnabled()).toBe(true);
    const gates = new Map<string, () => void>();
    const handler = createStreamConsumer({
      faults: null,
      concurrency: 4,
      handlers: {
        RELEASE_INVENTORY: async (event: EventEnvelope) => {
          await new Promise<void>((resolve) => gates.set(event.eventId, resolve));
          // What the captured SDK clients do: a subsegment under whatever is current now
          const call = tracer.getSegment()!.addNewSubsegment(`call ${event.eventId}`);
          call.close();
          if (event.eventId === 'a2') throw new Error('stock table unavailable');
        },
      },
    });
    const a1 = anEnvelope({ orderId: 'A', eventId: 'a1', correlationId: 'corr-A', eventType: 'RELEASE_INVENTORY' });
    const b1 = anEnvelope({ orderId: 'B', eventId: 'b1', correlationId: 'corr-B', eventType: 'RELEASE_INVENTORY' });
    const a2 = anEnvelope({ orderId: 'A', eventId: 'a2', correlationId: 'corr-A', eventType: 'RELEASE_INVENTORY' });
    const segment = new Segment('orderstream-inventory');
    // Act
    const done = withinSegment(segment, () => handler(aKinesisEvent([a1, b1, a2]), aLambdaContext()));
    await settle();
    gates.get('b1')!();
    await settle();
    gates.get('a1')!();
    await settle();
    gates.get('a2')!();
    const response = await done;
    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    const recorded = recordSubsegments(segment).map(
      (subsegment) => JSON.parse(subsegment.format()) as RecordedSubsegment,
    );
    expect(recorded.map((subsegment) => subsegment.name)).toEqual([
      '### RELEASE_INVENTORY',
      '### RELEASE_INVENTORY',
      '### RELEASE_INVENTORY',
    ]);
    expect(recorded.map((subsegment) => subsegment.annotations)).toEqual([
      { orderId: 'A', correlationId: 'corr-A' },
      { orderId: 'B', correlationId: 'corr-B' },
      { orderId: 'A', correlationId: 'corr-A' },
    ]);
    // each record's own call sits in its own subsegment, though b1's ran while a1 was current elsewhere
    expect(recorded.map((subsegment) => subsegment.subsegments?.map((call) => call.name))).toEqual([
      ['call a1'],
      ['call b1'],
      ['call a2'],
    ]);
    expect(recorded.map((subsegment) => subsegment.in_progress ?? false)).toEqual([false, false, false]);
    const [ok, , failed] = recorded;
    expect(ok?.fault ?? false).toBe(false);
    expect(ok?.cause).toBeUndefined();
    expect(failed?.fault).toBe(true);
    expect(failed?.cause?.exceptions).toEqual([
      expect.objectContaining({ message: 'stock table unavailable', type: 'Error' }),
    ]);
    // the batch's own segment stays the current one after the batch
    await withinSegment(segment, async () => expect(tracer.getSegment()).toBe(segment));
  });

  it('links the API request trace the envelope carries (traceId)', async () => {
    const traceId = '1-67891233-abcdef012345678912345678';
    const handler = createStreamConsumer({ faults: null, handlers: { RELEASE_INVENTORY: async () => undefined } });
    const segment = new Segment('orderstream-inventory');
    const envelope = { ...anEnvelope({ eventType: 'RELEASE_INVENTORY' }), traceId };
    await withinSegment(segment, () => handler(aKinesisEvent([envelope]), aLambdaContext()));
    const [recorded] = recordSubsegments(segment).map((subsegment) => JSON.parse(subsegment.format()));
    expect(recorded.annotations).toMatchObject({ upstreamTraceId: traceId });
    expect(recorded.metadata?.default).toMatchObject({ upstreamTraceId: traceId });
  });
});
