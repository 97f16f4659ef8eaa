/**
 * The shared stream consumer (orders of a batch processed concurrently) behind the event-source
 * mapping engine on the real kinesis-mock: per-order order holds through partial batch failures,
 * retries, bisection and a poison record sent to the on-failure destination.
 */
import type { KinesisStreamEvent as LambdaKinesisEvent } from 'aws-lambda';
import { createStreamConsumer } from '../../../lambdas/runtime/stream-consumer';
import type { FunctionInvoker, InvocationResult, KinesisStreamEvent } from '../../../local/esm/types';
import { aLambdaContext, anEnvelope } from '../../helpers/kinesis-events';
import { createStream, mappingFor, putRecords, useEngineHarness } from './esm-fixture';

jest.setTimeout(60_000);

const ORDERS = ['A', 'B', 'C', 'D', 'E'];
const STEPS = 6;

describe('stream consumer with concurrent orders behind the mapping engine', () => {
  const { fixture, harness } = useEngineHarness();

  test('each order applied in sequence, exactly once, through a transient failure, retries, bisection and a poison record', async () => {
    // Prepare: 5 orders x 6 steps, interleaved in the stream (A1 B1 C1 D1 E1 A2 ...)
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const records = Array.from({ length: STEPS }, (_, i) => i + 1).flatMap((step) =>
      ORDERS.map((orderId) => ({
        partitionKey: orderId,
        data: anEnvelope({ orderId, eventId: `${orderId}${step}`, eventType: 'RELEASE_INVENTORY', payload: {} }),
      })),
    );
    const puts = await putRecords(kinesis, stream.streamArn, records);

    // A consumer guarded like the real ones: a redelivered step it already applied is a no-op
    const applied = new Map<string, number[]>(ORDERS.map((orderId) => [orderId, []]));
    const outOfOrder: string[] = [];
    const attempts = new Map<string, number>();
    const handler = createStreamConsumer({
      faults: null,
      concurrency: 8,
      handlers: {
        RELEASE_INVENTORY: async (event) => {
          const step = Number(event.eventId.slice(1));
          const attempt = (attempts.get(event.eventId) ?? 0) + 1;
          attempts.set(event.eventId, attempt);
          // Give the other orders a chance to interleave with this one
          await new Promise((resolve) => setImmediate(resolve));
          if (event.eventId === 'B3' && attempt <= 2) throw new Error('B3: transient failure');
          if (event.eventId === 'D4') throw new Error('D4: can never succeed');
          const steps = applied.get(event.orderId)!;
          const last = steps.at(-1) ?? 0;
          if (step <= last) return;
          const d4Parked = event.eventId === 'D5' && last === 3 && harness().failures().length > 0;
          if (step !== last + 1 && !d4Parked) {
            outOfOrder.push(`${event.eventId} after ${event.orderId}${last}`);
          }
          steps.push(step);
        },
      },
    });
    const invoker: FunctionInvoker = {
      invoke: async (_name: string, event: KinesisStreamEvent): Promise<InvocationResult> => {
        try {
          const payload = await handler(event as unknown as LambdaKinesisEvent, aLambdaContext());
          return { kind: 'success', payload: JSON.parse(JSON.stringify(payload)) };
        } catch (error) {
          return { kind: 'error', errorType: (error as Error).name, errorMessage: (error as Error).message };
        }
      },
    };
    const engine = harness().engine(invoker);

    // Act
    await engine.start([
      mappingFor(stream, {
        reportBatchItemFailures: true,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 2,
        onFailureDestination: 'arn:aws:s3:::failed-records',
      }),
    ]);
    await engine.idle();

    // Assess: every order in sequence; D skipped only its poison record, which is kept in the destination
    expect(outOfOrder).toEqual([]);
    expect(Object.fromEntries(applied)).toEqual({
      A: [1, 2, 3, 4, 5, 6],
      B: [1, 2, 3, 4, 5, 6],
      C: [1, 2, 3, 4, 5, 6],
      D: [1, 2, 3, 5, 6],
      E: [1, 2, 3, 4, 5, 6],
    });
    expect(attempts.get('B3')).toBe(3);
    const failures = harness().failures();
    const d4 = puts[records.findIndex((record) => record.data.eventId === 'D4')]!;
    expect(failures.map((failure) => failure.record.KinesisBatchInfo)).toEqual([
      expect.objectContaining({
        startSequenceNumber: d4.sequenceNumber,
        endSequenceNumber: d4.sequenceNumber,
        batchSize: 1,
      }),
    ]);
  });
});
