import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbSagaDeadlines, DynamoDbSagaRepository } from '../../../lambdas/adapters/dynamodb-saga-repository';
import { KinesisEventPublisher } from '../../../lambdas/adapters/kinesis-event-publisher';
import { SAGA_DEADLINE_INDEX } from '../../../lambdas/adapters/saga-deadline-index';
import type { EventEnvelope } from '../../../lambdas/contract/envelope';
import type { SagaDeadlinePolicy } from '../../../lambdas/domain/order-saga';
import { SILENT_LOG } from '../../../lambdas/ports/log';
import { OrderSagaService } from '../../../lambdas/saga/order-saga-service';
import { SagaSweeper } from '../../../lambdas/sweeper/saga-sweeper';
import { createActiveStream, ofOrder, readEnvelopes } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { anOrderCreated, OUTCOME_PAYLOADS, outcomeOf } from '../../helpers/order-events';
import { RecordingPublisher } from '../../helpers/saga-fakes';
import { createSagaTable } from '../../helpers/saga-table';

const STREAM = 'orderstream-deadlines-test';
const POLICY: SagaDeadlinePolicy = { stepTimeoutSeconds: 60, maxRedrives: 1 };
const T0 = Date.parse('2026-01-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/**
 * The saga deadline sweeper on the real emulators: sagas written by the saga service to
 * DynamoDB Local (with the stack's sparse deadline index), the sweeper querying that index and
 * publishing SAGA_STEP_TIMED_OUT to kinesis-mock, and the saga applying what it published.
 */
describe('saga deadlines: sweeper, index and saga on the emulators', () => {
  const fixture = useEmulators();
  let documents: DynamoDBDocumentClient;
  let clock = at(0);
  let saga: OrderSagaService;
  let sweeper: SagaSweeper;
  let sagaOutput: RecordingPublisher;

  beforeAll(async () => {
    const { dynamodb, kinesis } = fixture();
    await createSagaTable(dynamodb, 'saga');
    await createActiveStream(kinesis, STREAM);
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    sagaOutput = new RecordingPublisher();
    saga = new OrderSagaService(new DynamoDbSagaRepository(documents, 'saga'), sagaOutput, SILENT_LOG, {
      now: () => clock,
      deadlinePolicy: POLICY,
    });
    sweeper = new SagaSweeper(
      new DynamoDbSagaDeadlines(documents, 'saga'),
      new KinesisEventPublisher({ client: kinesis, streamName: STREAM }),
      SILENT_LOG,
    );
  });

  /** orderIds in the deadline index (scanned: the test's view of it, not what the sweeper does). */
  async function indexed(): Promise<string[]> {
    const { Items } = await documents.send(new ScanCommand({ TableName: 'saga', IndexName: SAGA_DEADLINE_INDEX.name }));
    return (Items ?? []).map((item) => String(item.orderId)).sort();
  }

  /** The SAGA_STEP_TIMED_OUT records of an order on the stream. */
  async function deadlineEvents(orderId: string): Promise<EventEnvelope[]> {
    return (await readEnvelopes(fixture().kinesis, STREAM, ofOrder(orderId)))
      .map((record) => record.envelope)
      .filter((envelope) => envelope.eventType === 'SAGA_STEP_TIMED_OUT');
  }

  it('finds only the due, non-terminal sagas, and a terminal saga leaves the index', async () => {
    // Prepare: A started at 0 s (due at 60 s), B started at 50 s (due at 110 s), C completed
    const [a, b, c] = [anOrderCreated(), anOrderCreated(), anOrderCreated()];
    clock = at(0);
    await saga.handle(a);
    await saga.handle(c);
    clock = at(50);
    await saga.handle(b);
    expect(await indexed()).toEqual([a.orderId, b.orderId, c.orderId].sort());
    for (const [command, outcome] of [
      ['RESERVE_INVENTORY', 'INVENTORY_RESERVED'],
      ['PROCESS_PAYMENT', 'PAYMENT_PROCESSED'],
      ['SHIP_ORDER', 'ORDER_SHIPPED'],
    ] as const) {
      const issued = sagaOutput.published.find((e) => e.orderId === c.orderId && e.eventType === command)!;
      await saga.handle(outcomeOf(issued, outcome, OUTCOME_PAYLOADS[outcome]));
    }

    // Act
    const due = await sweeper.sweep(at(70));

    // Assess
    expect(await indexed()).toEqual([a.orderId, b.orderId].sort());
    expect(due).toBe(1);
    const events = await deadlineEvents(a.orderId);
    expect(events).toEqual([
      expect.objectContaining({ orderId: a.orderId, payload: { version: 1, deadlineAt: at(60) } }),
    ]);
    expect(await deadlineEvents(b.orderId)).toEqual([]);
    expect(await deadlineEvents(c.orderId)).toEqual([]);
  });

  it('re-drives through the saga with the same command eventId, then times out, compensates and cancels', async () => {
    // Prepare: placed by a traced request, whose trace id the whole flow keeps
    const order = { ...anOrderCreated(), traceId: '1-6b17407e-4b1a4c9e4f415efcf060d615' };
    clock = at(0);
    await saga.handle(order);
    const reserve = sagaOutput.published.find((e) => e.orderId === order.orderId)!;
    const sweepAndApply = async (seconds: number) => {
      clock = at(seconds);
      await sweeper.sweep(clock);
      const events = await deadlineEvents(order.orderId);
      return saga.handle(events.at(-1)!);
    };

    // Act: the sweeper's first event re-drives; a second sweep before the deadline moved finds nothing new
    expect(await sweepAndApply(61)).toBe('transition');
    await sweeper.sweep(at(62));
    const afterSecondSweep = await deadlineEvents(order.orderId);
    expect(await sweepAndApply(122)).toBe('transition');

    // Assess
    expect(afterSecondSweep).toHaveLength(1);
    const ofOrderTypes = sagaOutput.published.filter((e) => e.orderId === order.orderId);
    expect(ofOrderTypes.map((e) => e.eventType)).toEqual([
      'RESERVE_INVENTORY',
      'RESERVE_INVENTORY',
      'RELEASE_INVENTORY',
    ]);
    expect(ofOrderTypes[1]!.eventId).toBe(reserve.eventId);
    const release = ofOrderTypes[2]!;
    expect(afterSecondSweep[0]!.traceId).toBe(order.traceId);
    expect(release.traceId).toBe(order.traceId);
    clock = at(130);
    await saga.handle(outcomeOf(release, 'INVENTORY_RELEASED', {}));
    const cancelled = sagaOutput.published.filter((e) => e.orderId === order.orderId).at(-1)!;
    expect(cancelled).toMatchObject({ eventType: 'ORDER_CANCELLED', payload: { reason: 'STEP_TIMED_OUT' } });
    expect(await indexed()).not.toContain(order.orderId);
    await sweeper.sweep(at(10_000));
    expect(await deadlineEvents(order.orderId)).toHaveLength(2);
  });
});
