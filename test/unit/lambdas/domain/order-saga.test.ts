import { randomUUID } from 'node:crypto';
import { deterministicEventId, type EventEnvelope } from '../../../../lambdas/contract/envelope';
import type { EventType } from '../../../../lambdas/contract/events';
import {
  DEFAULT_SAGA_DEADLINE_POLICY,
  decideSaga,
  type SagaDecision,
  type SagaPhase,
  type SagaState,
  stepTimedOutEvent,
} from '../../../../lambdas/domain/order-saga';
import { aCancelRequest, anOrderCreated, OUTCOME_PAYLOADS, outcomeOf } from '../../../helpers/order-events';

const NOW = '2026-01-01T11:00:00.000Z';

type Transition = Extract<SagaDecision, { kind: 'transition' }>;

/** Applies `event`, insisting that it is a transition. */
function apply(state: SagaState | undefined, event: EventEnvelope): Transition {
  const decision = decideSaga(state, event, NOW);
  if (decision.kind !== 'transition') throw new Error(`expected a transition, got ${JSON.stringify(decision)}`);
  return decision;
}

const types = (decision: { emit: EventEnvelope[] }) => decision.emit.map((e) => e.eventType);

function emitted(decision: { emit: EventEnvelope[] }, eventType: string): EventEnvelope {
  const found = decision.emit.find((e) => e.eventType === eventType);
  if (!found) throw new Error(`${eventType} not emitted; emitted ${types(decision).join(', ')}`);
  return found;
}

/** The outcome a service would publish for the command `eventType` emitted by `decision`. */
function reply<T extends keyof typeof OUTCOME_PAYLOADS>(
  decision: { emit: EventEnvelope[] },
  command: string,
  outcome: T,
) {
  return outcomeOf(emitted(decision, command), outcome, OUTCOME_PAYLOADS[outcome] as never);
}

/** Drives an order to a phase of the happy path; returns the state and the last transition. */
function reserving() {
  const created = anOrderCreated({ paymentToken: 'tok_visa' });
  const last = apply(undefined, created);
  return { created, state: last.state, last };
}
function paying() {
  const s = reserving();
  const last = apply(s.state, reply(s.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVED'));
  return { ...s, state: last.state, last };
}
function shipping() {
  const s = paying();
  const last = apply(s.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_PROCESSED'));
  return { ...s, state: last.state, last };
}
function completed() {
  const s = shipping();
  const last = apply(s.state, reply(s.last, 'SHIP_ORDER', 'ORDER_SHIPPED'));
  return { ...s, state: last.state, last };
}

describe('order saga: forward path', () => {
  it('starts on ORDER_CREATED in RESERVING and commands RESERVE_INVENTORY for every line, without prices', () => {
    // Prepare
    const created = anOrderCreated();
    // Act
    const decision = apply(undefined, created);
    // Assess
    expect(decision.state).toMatchObject({
      orderId: created.orderId,
      phase: 'RESERVING',
      version: 1,
      inventoryReserved: false,
    });
    expect(types(decision)).toEqual(['RESERVE_INVENTORY']);
    const reserve = decision.emit[0]!;
    expect(reserve.payload).toEqual({
      items: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
    });
    expect(reserve).toMatchObject({
      eventId: deterministicEventId(created.eventId, 'RESERVE_INVENTORY'),
      orderId: created.orderId,
      correlationId: created.correlationId,
      causationId: created.eventId,
      occurredAt: NOW,
    });
  });

  it('moves to PAYING on INVENTORY_RESERVED and commands PROCESS_PAYMENT for the order total', () => {
    // Prepare
    const s = reserving();
    // Act
    const decision = apply(s.state, reply(s.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVED'));
    // Assess
    expect(decision.state).toMatchObject({ phase: 'PAYING', inventoryReserved: true, version: 2 });
    expect(types(decision)).toEqual(['PROCESS_PAYMENT']);
    expect(decision.emit[0]!.payload).toEqual({
      customerId: 'cust-1',
      amountCents: 3000,
      currency: 'EUR',
      paymentToken: 'tok_visa',
    });
  });

  it('leaves paymentToken out of PROCESS_PAYMENT when the order has none', () => {
    // Prepare
    const created = anOrderCreated();
    const start = apply(undefined, created);
    // Act
    const decision = apply(start.state, reply(start, 'RESERVE_INVENTORY', 'INVENTORY_RESERVED'));
    // Assess
    expect(decision.emit[0]!.payload).not.toHaveProperty('paymentToken');
  });

  it('moves to SHIPPING on PAYMENT_PROCESSED and commands SHIP_ORDER to the shipping address', () => {
    // Prepare
    const s = paying();
    // Act
    const decision = apply(s.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_PROCESSED'));
    // Assess
    expect(decision.state).toMatchObject({ phase: 'SHIPPING', paymentId: 'pay-1', version: 3 });
    expect(types(decision)).toEqual(['SHIP_ORDER']);
    expect(decision.emit[0]!.payload).toEqual({
      shippingAddress: s.created.payload.shippingAddress,
      items: [
        { sku: 'SKU-A', quantity: 2 },
        { sku: 'SKU-B', quantity: 1 },
      ],
    });
  });

  it('completes on ORDER_SHIPPED and emits ORDER_COMPLETED carrying the order summary', () => {
    // Prepare
    const s = shipping();
    // Act
    const decision = apply(s.state, reply(s.last, 'SHIP_ORDER', 'ORDER_SHIPPED'));
    // Assess
    expect(decision.state).toMatchObject({ phase: 'COMPLETED', shipmentId: 'ship-1', version: 4 });
    expect(types(decision)).toEqual(['ORDER_COMPLETED']);
    expect(decision.emit[0]!.payload).toEqual({
      customerId: 'cust-1',
      email: 'ada@example.com',
      items: s.created.payload.items,
      totalCents: 3000,
      currency: 'EUR',
    });
  });
});

describe('order saga: failures and compensations', () => {
  it('cancels OUT_OF_STOCK at once when the reservation fails: nothing to release, no payment', () => {
    // Prepare
    const s = reserving();
    // Act
    const decision = apply(s.state, reply(s.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVATION_FAILED'));
    // Assess
    expect(decision.state).toMatchObject({ phase: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK', compensations: {} });
    expect(types(decision)).toEqual(['ORDER_CANCELLED']);
    expect(decision.emit[0]!.payload).toMatchObject({
      reason: 'OUT_OF_STOCK',
      email: 'ada@example.com',
      totalCents: 3000,
    });
  });

  it('releases the inventory when the payment is declined, and cancels PAYMENT_DECLINED once it is released', () => {
    // Prepare
    const s = paying();
    // Act
    const declined = apply(s.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_DECLINED'));
    const released = apply(declined.state, reply(declined, 'RELEASE_INVENTORY', 'INVENTORY_RELEASED'));
    // Assess
    expect(declined.state).toMatchObject({ phase: 'COMPENSATING', cancellationReason: 'PAYMENT_DECLINED' });
    expect(types(declined)).toEqual(['RELEASE_INVENTORY']);
    expect(released.state).toMatchObject({ phase: 'CANCELLED', compensations: { RELEASE_INVENTORY: 'DONE' } });
    expect(types(released)).toEqual(['ORDER_CANCELLED']);
    expect(released.emit[0]!.payload).toMatchObject({ reason: 'PAYMENT_DECLINED', customerId: 'cust-1' });
  });

  it('refunds then releases when shipping fails, and cancels SHIPPING_FAILED only when both are back', () => {
    // Prepare
    const s = shipping();
    // Act
    const failed = apply(s.state, reply(s.last, 'SHIP_ORDER', 'SHIPPING_FAILED'));
    const refunded = apply(failed.state, reply(failed, 'REFUND_PAYMENT', 'PAYMENT_REFUNDED'));
    const released = apply(refunded.state, reply(failed, 'RELEASE_INVENTORY', 'INVENTORY_RELEASED'));
    // Assess
    expect(types(failed)).toEqual(['REFUND_PAYMENT', 'RELEASE_INVENTORY']);
    expect(failed.state).toMatchObject({
      phase: 'COMPENSATING',
      cancellationReason: 'SHIPPING_FAILED',
      compensations: { REFUND_PAYMENT: 'PENDING', RELEASE_INVENTORY: 'PENDING' },
    });
    expect(types(refunded)).toEqual([]);
    expect(refunded.state.phase).toBe('COMPENSATING');
    expect(types(released)).toEqual(['ORDER_CANCELLED']);
    expect(released.state.phase).toBe('CANCELLED');
    expect(released.emit[0]!.payload).toMatchObject({ reason: 'SHIPPING_FAILED' });
  });

  it('cancels once whichever compensation outcome comes back last', () => {
    // Prepare
    const s = shipping();
    const failed = apply(s.state, reply(s.last, 'SHIP_ORDER', 'SHIPPING_FAILED'));
    // Act
    const released = apply(failed.state, reply(failed, 'RELEASE_INVENTORY', 'INVENTORY_RELEASED'));
    const refunded = apply(released.state, reply(failed, 'REFUND_PAYMENT', 'PAYMENT_REFUNDED'));
    // Assess
    expect(types(released)).toEqual([]);
    expect(types(refunded)).toEqual(['ORDER_CANCELLED']);
    expect(refunded.state.phase).toBe('CANCELLED');
  });
});

describe('order saga: customer cancel', () => {
  it('remembers a cancel while the reservation is in flight and releases what then gets reserved', () => {
    // Prepare
    const s = reserving();
    // Act
    const cancel = apply(s.state, aCancelRequest(s.created));
    const reserved = apply(cancel.state, reply(s.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVED'));
    const released = apply(reserved.state, reply(reserved, 'RELEASE_INVENTORY', 'INVENTORY_RELEASED'));
    // Assess
    expect(types(cancel)).toEqual([]);
    expect(cancel.state).toMatchObject({ phase: 'RESERVING', cancelRequested: true });
    expect(types(reserved)).toEqual(['RELEASE_INVENTORY']);
    expect(types(released)).toEqual(['ORDER_CANCELLED']);
    expect(released.emit[0]!.payload).toMatchObject({ reason: 'CUSTOMER_REQUESTED' });
  });

  it('cancels CUSTOMER_REQUESTED with nothing to undo when the reservation in flight then fails', () => {
    // Prepare
    const s = reserving();
    const cancel = apply(s.state, aCancelRequest(s.created));
    // Act
    const failed = apply(cancel.state, reply(s.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVATION_FAILED'));
    // Assess
    expect(types(failed)).toEqual(['ORDER_CANCELLED']);
    expect(failed.state).toMatchObject({ phase: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUESTED' });
  });

  it('waits for the payment in flight, then refunds and releases instead of shipping', () => {
    // Prepare
    const s = paying();
    // Act
    const cancel = apply(s.state, aCancelRequest(s.created));
    const charged = apply(cancel.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_PROCESSED'));
    const refunded = apply(charged.state, reply(charged, 'REFUND_PAYMENT', 'PAYMENT_REFUNDED'));
    const released = apply(refunded.state, reply(charged, 'RELEASE_INVENTORY', 'INVENTORY_RELEASED'));
    // Assess
    expect(types(cancel)).toEqual([]);
    expect(types(charged)).toEqual(['REFUND_PAYMENT', 'RELEASE_INVENTORY']);
    expect(types(released)).toEqual(['ORDER_CANCELLED']);
    expect(released.state).toMatchObject({ phase: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUESTED' });
  });

  it('releases only the inventory when the payment in flight is declined after a cancel', () => {
    // Prepare
    const s = paying();
    const cancel = apply(s.state, aCancelRequest(s.created));
    // Act
    const declined = apply(cancel.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_DECLINED'));
    // Assess
    expect(types(declined)).toEqual(['RELEASE_INVENTORY']);
    expect(declined.state).toMatchObject({ phase: 'COMPENSATING', cancellationReason: 'CUSTOMER_REQUESTED' });
  });

  it('honours a cancel made while the shipment is in flight if shipping then fails', () => {
    // Prepare
    const s = shipping();
    const cancel = apply(s.state, aCancelRequest(s.created));
    // Act
    const failed = apply(cancel.state, reply(s.last, 'SHIP_ORDER', 'SHIPPING_FAILED'));
    // Assess
    expect(types(failed)).toEqual(['REFUND_PAYMENT', 'RELEASE_INVENTORY']);
    expect(failed.state.cancellationReason).toBe('CUSTOMER_REQUESTED');
  });

  it('completes anyway when the shipment in flight succeeds after a cancel: shipped is final', () => {
    // Prepare
    const s = shipping();
    const cancel = apply(s.state, aCancelRequest(s.created));
    // Act
    const shipped = apply(cancel.state, reply(s.last, 'SHIP_ORDER', 'ORDER_SHIPPED'));
    // Assess
    expect(types(shipped)).toEqual(['ORDER_COMPLETED']);
    expect(shipped.state.phase).toBe('COMPLETED');
  });

  it('ignores a cancel after the order completed', () => {
    // Prepare
    const s = completed();
    // Act
    const decision = decideSaga(s.state, aCancelRequest(s.created), NOW);
    // Assess
    expect(decision).toEqual({ kind: 'ignored', reason: expect.stringContaining('COMPLETED') });
  });

  it('ignores a second cancel request, during compensation and after cancellation', () => {
    // Prepare
    const s = paying();
    const first = apply(s.state, aCancelRequest(s.created));
    const declined = apply(s.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_DECLINED'));
    const cancelled = apply(declined.state, reply(declined, 'RELEASE_INVENTORY', 'INVENTORY_RELEASED'));
    // Act
    const again = decideSaga(first.state, aCancelRequest(s.created), NOW);
    const whileCompensating = decideSaga(declined.state, aCancelRequest(s.created), NOW);
    const afterCancelled = decideSaga(cancelled.state, aCancelRequest(s.created), NOW);
    // Assess
    expect(again.kind).toBe('ignored');
    expect(whileCompensating.kind).toBe('ignored');
    expect(afterCancelled.kind).toBe('ignored');
  });
});

describe('order saga: duplicates, stale and out-of-order records', () => {
  it('replays the very same records (same ids, same timestamps), changing nothing, when a record is redelivered', () => {
    // Prepare
    const created = anOrderCreated();
    const start = apply(undefined, created);
    const reserved = reply(start, 'RESERVE_INVENTORY', 'INVENTORY_RESERVED');
    const pay = apply(start.state, reserved);
    const charged = apply(pay.state, reply(pay, 'PROCESS_PAYMENT', 'PAYMENT_PROCESSED'));
    const later = '2026-01-02T00:00:00.000Z';
    // Act
    const createdAgain = decideSaga(charged.state, created, later);
    const reservedAgain = decideSaga(charged.state, reserved, later);
    // Assess
    expect(createdAgain).toEqual({ kind: 'replay', emit: start.emit });
    expect(reservedAgain).toEqual({ kind: 'replay', emit: pay.emit });
  });

  it('ignores ORDER_CREATED for an order whose saga exists, under another eventId', () => {
    // Prepare
    const s = paying();
    const other = { ...s.created, eventId: randomUUID() };
    // Act
    const decision = decideSaga(s.state, other, NOW);
    // Assess
    expect(decision.kind).toBe('ignored');
  });

  it('ignores an outcome already applied that comes again under another eventId', () => {
    // Prepare
    const s = paying();
    const again = { ...reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_PROCESSED') };
    const shipped = apply(s.state, again);
    const duplicate = { ...again, eventId: randomUUID() };
    // Act
    const decision = decideSaga(shipped.state, duplicate, NOW);
    // Assess
    expect(decision).toEqual({ kind: 'ignored', reason: expect.stringContaining('already applied') });
  });

  it('asks for a retry (unknown-order) when an outcome arrives before the saga exists', () => {
    // Prepare
    const created = anOrderCreated();
    const outcome = outcomeOf(created, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED);
    // Act
    const decision = decideSaga(undefined, outcome, NOW);
    // Assess
    expect(decision.kind).toBe('unknown-order');
  });

  it('never goes back: a released outcome after cancellation, or a charge after completion, changes nothing', () => {
    // Prepare
    const out = reserving();
    const cancelled = apply(out.state, reply(out.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVATION_FAILED'));
    const done = completed();
    // Act
    const lateRelease = decideSaga(cancelled.state, outcomeOf(out.created, 'INVENTORY_RELEASED', {}), NOW);
    const lateFailure = decideSaga(done.state, outcomeOf(done.created, 'SHIPPING_FAILED', { reason: 'late' }), NOW);
    // Assess
    expect(lateRelease.kind).toBe('ignored');
    expect(lateFailure.kind).toBe('ignored');
  });

  it('grows the version by exactly one and journals each applied record', () => {
    // Prepare & Act
    const s = completed();
    // Assess
    expect(s.state.version).toBe(4);
    expect(s.state.journal.map((entry) => entry.eventType)).toEqual([
      'ORDER_CREATED',
      'INVENTORY_RESERVED',
      'PAYMENT_PROCESSED',
      'ORDER_SHIPPED',
    ]);
  });
});

/**
 * The whole table: every saga input in every phase. `->` is a transition to that phase
 * with those records emitted, `ignored` changes nothing.
 */
describe('order saga: the state x event table', () => {
  const phases: Record<
    SagaPhase | 'COMPENSATING_PAYMENT_DECLINED',
    () => { state: SagaState; created: EventEnvelope }
  > = {
    RESERVING: reserving,
    PAYING: paying,
    SHIPPING: shipping,
    COMPLETED: completed,
    COMPENSATING: () => {
      const s = shipping();
      const failed = apply(s.state, reply(s.last, 'SHIP_ORDER', 'SHIPPING_FAILED'));
      return { ...s, state: failed.state };
    },
    COMPENSATING_PAYMENT_DECLINED: () => {
      const s = paying();
      const declined = apply(s.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_DECLINED'));
      return { ...s, state: declined.state };
    },
    CANCELLED: () => {
      const s = reserving();
      const failed = apply(s.state, reply(s.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVATION_FAILED'));
      return { ...s, state: failed.state };
    },
  };

  const inputs: EventType[] = [
    'ORDER_CANCEL_REQUESTED',
    'INVENTORY_RESERVED',
    'INVENTORY_RESERVATION_FAILED',
    'PAYMENT_PROCESSED',
    'PAYMENT_DECLINED',
    'ORDER_SHIPPED',
    'SHIPPING_FAILED',
    'INVENTORY_RELEASED',
    'PAYMENT_REFUNDED',
  ];

  // phase -> input -> expected "PHASE [EMITTED,...]" or "ignored"
  const table: Record<keyof typeof phases, Partial<Record<EventType, string>>> = {
    RESERVING: {
      ORDER_CANCEL_REQUESTED: 'RESERVING []',
      INVENTORY_RESERVED: 'PAYING [PROCESS_PAYMENT]',
      INVENTORY_RESERVATION_FAILED: 'CANCELLED [ORDER_CANCELLED]',
    },
    PAYING: {
      ORDER_CANCEL_REQUESTED: 'PAYING []',
      PAYMENT_PROCESSED: 'SHIPPING [SHIP_ORDER]',
      PAYMENT_DECLINED: 'COMPENSATING [RELEASE_INVENTORY]',
    },
    SHIPPING: {
      ORDER_CANCEL_REQUESTED: 'SHIPPING []',
      ORDER_SHIPPED: 'COMPLETED [ORDER_COMPLETED]',
      SHIPPING_FAILED: 'COMPENSATING [REFUND_PAYMENT,RELEASE_INVENTORY]',
    },
    COMPENSATING: { INVENTORY_RELEASED: 'COMPENSATING []', PAYMENT_REFUNDED: 'COMPENSATING []' },
    COMPENSATING_PAYMENT_DECLINED: { INVENTORY_RELEASED: 'CANCELLED [ORDER_CANCELLED]' },
    COMPLETED: {},
    CANCELLED: {},
  };

  const cases = (Object.keys(phases) as (keyof typeof phases)[]).flatMap((phase) =>
    inputs.map((input) => [phase, input, table[phase][input] ?? 'ignored'] as const),
  );

  it.each(cases)('%s + %s -> %s', (phase, input, expected) => {
    // Prepare
    const { state, created } = phases[phase]();
    const payload =
      input === 'ORDER_CANCEL_REQUESTED'
        ? { reason: 'CUSTOMER_REQUESTED' }
        : OUTCOME_PAYLOADS[input as keyof typeof OUTCOME_PAYLOADS];
    const event = outcomeOf(created, input, payload as never);
    const fresh = { ...event, eventId: randomUUID() };
    // Act
    const decision = decideSaga(state, fresh, NOW);
    // Assess
    const actual =
      decision.kind === 'transition' ? `${decision.state.phase} [${types(decision).join(',')}]` : decision.kind;
    expect(actual).toBe(expected);
  });
});

/** The sweeper's event for `state` as it stands (the version it saw). */
const deadlinePassed = (state: SagaState, version = state.version) =>
  stepTimedOutEvent(
    { orderId: state.orderId, correlationId: state.correlationId, version, deadlineAt: state.deadlineAt ?? NOW },
    NOW,
  );

/** Passes the deadline `times` times in a row (each a transition); returns the last. */
function passDeadline(state: SagaState, times: number): Transition {
  let last = apply(state, deadlinePassed(state));
  for (let i = 1; i < times; i++) last = apply(last.state, deadlinePassed(last.state));
  return last;
}

describe('order saga: step deadlines', () => {
  const policy = DEFAULT_SAGA_DEADLINE_POLICY;
  const plus = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

  it('gives every non-terminal step a deadline one step timeout after its command, and drops it when terminal', () => {
    // Prepare / Act
    const created = anOrderCreated();
    const started = decideSaga(undefined, created, NOW, { stepTimeoutSeconds: 60, maxRedrives: 1 });
    const s = completed();
    // Assess
    expect(started).toMatchObject({ kind: 'transition', state: { deadlineAt: plus(60), redrives: 0 } });
    expect(paying().state.deadlineAt).toBe(plus(policy.stepTimeoutSeconds));
    expect(s.state).not.toHaveProperty('deadlineAt');
    expect(phasesCancelled().state).not.toHaveProperty('deadlineAt');
  });

  it('keeps the deadline of the step in flight when a record starts no new step (a cancel request)', () => {
    // Prepare
    const s = paying();
    const later = '2026-01-01T11:03:00.000Z';
    // Act
    const decision = decideSaga(s.state, aCancelRequest(s.created), later);
    // Assess
    expect(decision).toMatchObject({ kind: 'transition', state: { deadlineAt: s.state.deadlineAt } });
  });

  const forward = { RESERVING: reserving, PAYING: paying, SHIPPING: shipping } as const;
  const stepCommand = { RESERVING: 'RESERVE_INVENTORY', PAYING: 'PROCESS_PAYMENT', SHIPPING: 'SHIP_ORDER' } as const;

  it.each(Object.keys(forward) as (keyof typeof forward)[])(
    '%s past its deadline: re-drives the journaled command, same eventId, and moves the deadline on',
    (phase) => {
      // Prepare
      const s = forward[phase]();
      const command = emitted(s.last, stepCommand[phase]);
      // Act
      const decision = apply(s.state, deadlinePassed(s.state));
      // Assess
      expect(decision.emit).toEqual([command]);
      expect(decision.state).toMatchObject({
        phase,
        version: s.state.version + 1,
        redrives: 1,
        deadlineAt: plus(policy.stepTimeoutSeconds),
      });
    },
  );

  it.each([
    ['RESERVING', ['RELEASE_INVENTORY']],
    ['PAYING', ['REFUND_PAYMENT', 'RELEASE_INVENTORY']],
    ['SHIPPING', ['REFUND_PAYMENT', 'RELEASE_INVENTORY']],
  ] as const)(
    '%s still unanswered after maxRedrives re-drives: compensates what may have succeeded (%j), then STEP_TIMED_OUT',
    (phase, compensations) => {
      // Prepare
      const s = forward[phase]();
      const redriven = passDeadline(s.state, policy.maxRedrives);
      // Act
      const timedOut = apply(redriven.state, deadlinePassed(redriven.state));
      const cancelled = compensations.reduce(
        (state, command) =>
          apply(
            state,
            outcomeOf(
              emitted(timedOut, command),
              command === 'REFUND_PAYMENT' ? 'PAYMENT_REFUNDED' : 'INVENTORY_RELEASED',
              {
                ...(command === 'REFUND_PAYMENT' ? { paymentId: 'none', amountCents: 0 } : {}),
              } as never,
            ),
          ).state,
        timedOut.state,
      );
      // Assess
      expect(redriven.state.redrives).toBe(policy.maxRedrives);
      expect(types(timedOut)).toEqual(compensations);
      expect(timedOut.state).toMatchObject({
        phase: 'COMPENSATING',
        cancellationReason: 'STEP_TIMED_OUT',
        timedOutStep: phase,
        redrives: 0,
      });
      expect(cancelled).toMatchObject({ phase: 'CANCELLED', cancellationReason: 'STEP_TIMED_OUT' });
      expect(cancelled).not.toHaveProperty('deadlineAt');
    },
  );

  it("keeps the order's trace id through a time-out: the sweeper's event and the compensations it causes carry it", () => {
    // Prepare
    const traceId = '1-6b17407e-4b1a4c9e4f415efcf060d615';
    const started = apply(undefined, { ...anOrderCreated({ paymentToken: 'tok_visa' }), traceId });
    const paid = apply(started.state, reply(started, 'RESERVE_INVENTORY', 'INVENTORY_RESERVED'));
    // Act: the sweeper sees the saga through the deadline index, as DynamoDbSagaDeadlines reads it
    const { orderId, correlationId, deadlineAt } = paid.state;
    const sweep = (state: SagaState) =>
      stepTimedOutEvent(
        { orderId, correlationId, version: state.version, deadlineAt: deadlineAt ?? NOW, traceId },
        NOW,
      );
    let last = apply(paid.state, sweep(paid.state));
    for (let i = 0; i < policy.maxRedrives; i++) last = apply(last.state, sweep(last.state));
    // Assess
    expect(started.state.traceId).toBe(traceId);
    expect(sweep(paid.state).traceId).toBe(traceId);
    expect(last.state.phase).toBe('COMPENSATING');
    expect(last.emit.length).toBeGreaterThan(0);
    for (const command of last.emit) expect(command.traceId).toBe(traceId);
  });

  it('ignores the late outcome of a step that timed out (the compensation already fences it)', () => {
    // Prepare
    const s = paying();
    const timedOut = passDeadline(s.state, policy.maxRedrives + 1);
    // Act
    const late = decideSaga(timedOut.state, reply(s.last, 'PROCESS_PAYMENT', 'PAYMENT_PROCESSED'), NOW);
    // Assess
    expect(timedOut.state.phase).toBe('COMPENSATING');
    expect(late.kind).toBe('ignored');
  });

  it('keeps CUSTOMER_REQUESTED as the reason when a cancel came before the time-out', () => {
    // Prepare
    const s = reserving();
    const cancelling = apply(s.state, aCancelRequest(s.created));
    // Act
    const timedOut = passDeadline(cancelling.state, policy.maxRedrives + 1);
    // Assess
    expect(timedOut.state).toMatchObject({ phase: 'COMPENSATING', cancellationReason: 'CUSTOMER_REQUESTED' });
    expect(types(timedOut)).toEqual(['RELEASE_INVENTORY']);
  });

  it('times a step out at once with maxRedrives 0', () => {
    // Prepare
    const s = reserving();
    // Act
    const decision = decideSaga(s.state, deadlinePassed(s.state), NOW, { stepTimeoutSeconds: 30, maxRedrives: 0 });
    // Assess
    expect(decision).toMatchObject({ kind: 'transition', state: { phase: 'COMPENSATING', timedOutStep: 'RESERVING' } });
  });

  it('COMPENSATING never gives up: re-drives only the pending compensations, backing off past maxRedrives', () => {
    // Prepare: shipping failed -> refund + release; the refund came back, the release did not
    const s = shipping();
    const failed = apply(s.state, reply(s.last, 'SHIP_ORDER', 'SHIPPING_FAILED'));
    const refunded = apply(failed.state, reply(failed, 'REFUND_PAYMENT', 'PAYMENT_REFUNDED'));
    const release = emitted(failed, 'RELEASE_INVENTORY');
    // Act
    const redrives = [apply(refunded.state, deadlinePassed(refunded.state))];
    for (let i = 1; i < policy.maxRedrives + 3; i++)
      redrives.push(apply(redrives[i - 1]!.state, deadlinePassed(redrives[i - 1]!.state)));
    // Assess
    for (const redrive of redrives) {
      expect(redrive.emit).toEqual([release]);
      expect(redrive.state.phase).toBe('COMPENSATING');
    }
    const delays = redrives.map((r) => (Date.parse(r.state.deadlineAt!) - Date.parse(NOW)) / 1000);
    const t = policy.stepTimeoutSeconds;
    expect(delays).toEqual([t, t, 2 * t, 4 * t, 8 * t]);
    const done = apply(redrives.at(-1)!.state, outcomeOf(release, 'INVENTORY_RELEASED', {}));
    expect(done.state).toMatchObject({ phase: 'CANCELLED', cancellationReason: 'SHIPPING_FAILED' });
  });

  it.each([
    ['RESERVING', 0, 'RESERVING [RESERVE_INVENTORY]'],
    ['RESERVING', 2, 'COMPENSATING [RELEASE_INVENTORY]'],
    ['PAYING', 0, 'PAYING [PROCESS_PAYMENT]'],
    ['PAYING', 2, 'COMPENSATING [REFUND_PAYMENT,RELEASE_INVENTORY]'],
    ['SHIPPING', 0, 'SHIPPING [SHIP_ORDER]'],
    ['SHIPPING', 2, 'COMPENSATING [REFUND_PAYMENT,RELEASE_INVENTORY]'],
    ['COMPENSATING', 0, 'COMPENSATING [REFUND_PAYMENT,RELEASE_INVENTORY]'],
    ['COMPENSATING', 2, 'COMPENSATING [REFUND_PAYMENT,RELEASE_INVENTORY]'],
    ['COMPLETED', 0, 'ignored'],
    ['CANCELLED', 0, 'ignored'],
  ] as const)('the state x deadline table: %s after %i re-drives -> %s', (phase, redrives, expected) => {
    // Prepare
    const base = {
      ...forward,
      COMPENSATING: () => {
        const s = shipping();
        return { ...s, state: apply(s.state, reply(s.last, 'SHIP_ORDER', 'SHIPPING_FAILED')).state };
      },
      COMPLETED: completed,
      CANCELLED: phasesCancelled,
    }[phase]().state;
    const state = { ...base, redrives };
    // Act
    const decision = decideSaga(state, deadlinePassed(state), NOW);
    // Assess
    const actual =
      decision.kind === 'transition' ? `${decision.state.phase} [${types(decision).join(',')}]` : decision.kind;
    expect(actual).toBe(expected);
  });

  it('ignores a deadline event whose version the saga has moved past (the step answered meanwhile)', () => {
    // Prepare: the sweeper saw version 1 (RESERVING), then INVENTORY_RESERVED moved the saga on
    const s = paying();
    // Act
    const decision = decideSaga(s.state, deadlinePassed(s.state, s.state.version - 1), NOW);
    // Assess
    expect(decision).toEqual({ kind: 'ignored', reason: expect.stringContaining('moved on') });
  });

  it('replays a redelivered deadline event (same eventId from the same version): the same commands, no new re-drive', () => {
    // Prepare
    const s = reserving();
    const event = deadlinePassed(s.state);
    const first = apply(s.state, event);
    // Act
    const again = decideSaga(first.state, { ...event, occurredAt: plus(60) }, NOW);
    // Assess
    expect(again).toEqual({ kind: 'replay', emit: first.emit });
  });

  it.each(['COMPLETED', 'CANCELLED'] as const)('ignores a deadline event in %s', (phase) => {
    // Prepare
    const state = phase === 'COMPLETED' ? completed().state : phasesCancelled().state;
    // Act / Assess
    expect(decideSaga(state, deadlinePassed(state), NOW).kind).toBe('ignored');
  });

  it('derives the deadline event id from (orderId, version) only', () => {
    // Prepare
    const { state } = reserving();
    // Act / Assess
    expect(deadlinePassed(state).eventId).toBe(stepTimedOutEvent({ ...state, deadlineAt: plus(999) }, plus(5)).eventId);
    expect(deadlinePassed(state).eventId).not.toBe(deadlinePassed(state, state.version + 1).eventId);
  });
});

function phasesCancelled() {
  const s = reserving();
  const last = apply(s.state, reply(s.last, 'RESERVE_INVENTORY', 'INVENTORY_RESERVATION_FAILED'));
  return { ...s, state: last.state, last };
}
