import { causedBy, deterministicEventId, type EventEnvelope, type EventOf, originEvent } from '../contract/envelope';
import type { CancellationReason, EventPayload, EventType, PricedOrderLine, ShippingAddress } from '../contract/events';
import { DEFAULT_SAGA_MAX_REDRIVES, DEFAULT_SAGA_STEP_TIMEOUT_SECONDS } from '../contract/limits';

/**
 * The order saga: an orchestrator with one state machine per order, as a PURE function
 * (no I/O, no clock, no SDK). `decideSaga(state, incoming, now)` says what one incoming
 * record does to the saga of its order, and which records to put on the stream.
 *
 *   RESERVING --INVENTORY_RESERVED--> PAYING --PAYMENT_PROCESSED--> SHIPPING --ORDER_SHIPPED--> COMPLETED
 *       |                               |                              |
 *       | INVENTORY_RESERVATION_FAILED  | PAYMENT_DECLINED             | SHIPPING_FAILED
 *       v                               v                              v
 *   CANCELLED (OUT_OF_STOCK)      COMPENSATING (release)        COMPENSATING (refund + release)
 *                                       |  every compensation outcome back
 *                                       v
 *                                   CANCELLED (reason)
 *
 * Rules that make it safe on an at-least-once, per-order-ordered stream:
 * - Compensations are issued in reverse order of what succeeded, and only for steps
 *   whose SUCCESS is known: nothing reserved -> no release; no charge -> no refund.
 * - A compensation is never issued while the step it compensates is in flight: a
 *   customer cancel that arrives while RESERVE_INVENTORY / PROCESS_PAYMENT is out is
 *   remembered (`cancelRequested`) and acted on when the outcome arrives. A cancel
 *   while SHIP_ORDER is out is honoured only if shipping fails; once shipped the
 *   order completes (the API refuses cancels of shipped orders with 409).
 * - ORDER_CANCELLED is emitted only when every compensation outcome is back
 *   (INVENTORY_RELEASED, PAYMENT_REFUNDED), so CANCELLED in the read model means the
 *   stock is back and the money refunded. Exactly one terminal event per order: the
 *   terminal phases accept nothing.
 * - The cancellation reason is fixed by the first thing that decided the order's
 *   fate: a customer cancel recorded while a step was in flight wins over that step's
 *   failure (CUSTOMER_REQUESTED).
 * - Every applied record is journaled with the records it caused. The same record
 *   again (same eventId: a redelivery) is a REPLAY: no state change, the same records
 *   are returned so the caller re-publishes them (see the crash-safety note in
 *   saga/order-saga-service.ts). A different record of an outcome type already
 *   applied, or a record that does not fit the phase (stale, out of order), is
 *   IGNORED: nothing moves backwards or twice.
 *
 * DEADLINES (nothing waits forever). While the saga is not terminal it carries `deadlineAt`:
 * when a transition issues commands (a new step starts) it is set to now + stepTimeoutSeconds
 * and the step's re-drive count is reset. The saga deadline sweeper (lambdas/sweeper) finds
 * sagas past their deadline and puts SAGA_STEP_TIMED_OUT (the version it saw, deterministic
 * eventId) on the stream; the saga, still the single writer of its state, decides here:
 * - the version moved on since the sweeper looked: IGNORED (the step answered meanwhile);
 * - a forward step (RESERVING, PAYING, SHIPPING) re-driven fewer than maxRedrives times:
 *   RE-DRIVE: its journaled command is emitted again (same eventId; every service answers a
 *   repeated command with its recorded outcome) and the deadline moves one timeout on;
 * - otherwise TIME OUT: compensate what may have succeeded (the step in flight included:
 *   RESERVING -> RELEASE_INVENTORY, whose tombstone voids a late reservation; PAYING and
 *   SHIPPING -> REFUND_PAYMENT, which records a zero refund if nothing was charged, declines a
 *   late charge and makes shipping refuse a late SHIP_ORDER; and RELEASE_INVENTORY), then
 *   CANCELLED with reason STEP_TIMED_OUT (CUSTOMER_REQUESTED if a cancel came first);
 * - COMPENSATING never gives up: its pending compensations are re-driven at every deadline;
 *   past maxRedrives the interval doubles per re-drive (capped at 64 x the timeout) and every
 *   such re-drive counts as a timed-out step (metric and alarm), so a human looks at it.
 */

export type SagaPhase = 'RESERVING' | 'PAYING' | 'SHIPPING' | 'COMPENSATING' | 'COMPLETED' | 'CANCELLED';

export type CompensationCommand = 'RELEASE_INVENTORY' | 'REFUND_PAYMENT';

/** How long a saga step may wait, and how often it is re-driven before it times out. */
export interface SagaDeadlinePolicy {
  /** Seconds a step waits for its outcome before the sweeper may re-drive or time it out. */
  readonly stepTimeoutSeconds: number;
  /** Re-drives of a step's command(s) before the step times out (compensations: before the alarm). */
  readonly maxRedrives: number;
}

/** Production defaults (stack props `sagaStepTimeout` and `sagaMaxRedrives`). */
export const DEFAULT_SAGA_DEADLINE_POLICY: SagaDeadlinePolicy = {
  stepTimeoutSeconds: DEFAULT_SAGA_STEP_TIMEOUT_SECONDS,
  maxRedrives: DEFAULT_SAGA_MAX_REDRIVES,
};

/** Longest back-off of a stalled compensation's re-drives: 64 x the step timeout. */
const MAX_COMPENSATION_BACKOFF_EXPONENT = 6;

/** What the saga keeps of ORDER_CREATED: all it needs to issue commands and terminal events. */
export interface SagaOrder {
  readonly customerId: string;
  readonly email: string;
  readonly items: PricedOrderLine[];
  readonly totalCents: number;
  readonly currency: string;
  readonly shippingAddress: ShippingAddress;
  readonly paymentToken?: string;
}

/** One applied incoming record and the records its application caused. */
export interface SagaJournalEntry {
  readonly eventId: string;
  readonly eventType: string;
  readonly emitted: EventEnvelope[];
}

/** The persisted state of one order's saga (SAGA_TABLE item, partition key `orderId`). */
export interface SagaState {
  readonly orderId: string;
  readonly correlationId: string;
  /** Optimistic-locking version: 1 after ORDER_CREATED, +1 per applied record. */
  readonly version: number;
  readonly phase: SagaPhase;
  readonly order: SagaOrder;
  /** The forward steps whose success is known. */
  readonly inventoryReserved: boolean;
  readonly paymentId?: string;
  readonly shipmentId?: string;
  /** A customer cancel arrived while a step was in flight; acted on at its outcome. */
  readonly cancelRequested: boolean;
  readonly cancellationReason?: CancellationReason;
  /** Compensations issued and whether their outcome is back. */
  readonly compensations: { readonly [C in CompensationCommand]?: 'PENDING' | 'DONE' };
  /**
   * ISO-8601 deadline of the step in flight; present exactly while the phase is not terminal
   * (the saga table's sparse deadline index holds only these sagas).
   */
  readonly deadlineAt?: string;
  /** Re-drives of the step in flight (0 when it started). Absent on sagas written before deadlines. */
  readonly redrives?: number;
  /** The phase whose step timed out, when the sweeper's deadline event failed the order. */
  readonly timedOutStep?: SagaPhase;
  readonly journal: SagaJournalEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * The X-Ray trace of the request that placed the order (ORDER_CREATED's traceId): the sweeper's
   * SAGA_STEP_TIMED_OUT carries it, so the commands a time-out re-drives keep the order's link.
   */
  readonly traceId?: string;
}

export type SagaDecision =
  /** Apply: persist `state` (conditionally on the version read), then publish `emit`. */
  | { readonly kind: 'transition'; readonly state: SagaState; readonly emit: EventEnvelope[] }
  /** This exact record was applied before: publish `emit` again, change nothing. */
  | { readonly kind: 'replay'; readonly emit: EventEnvelope[] }
  /** Nothing to do (duplicate outcome, stale, or not acceptable in this phase). */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** The order's saga does not exist yet: the record must be retried, not dropped. */
  | { readonly kind: 'unknown-order'; readonly reason: string };

/** The record types the saga consumes. */
export const SAGA_INPUT_TYPES = [
  'ORDER_CREATED',
  'ORDER_CANCEL_REQUESTED',
  'INVENTORY_RESERVED',
  'INVENTORY_RESERVATION_FAILED',
  'INVENTORY_RELEASED',
  'PAYMENT_PROCESSED',
  'PAYMENT_DECLINED',
  'PAYMENT_REFUNDED',
  'ORDER_SHIPPED',
  'SHIPPING_FAILED',
  'SAGA_STEP_TIMED_OUT',
] as const satisfies readonly EventType[];
export type SagaInputType = (typeof SAGA_INPUT_TYPES)[number];

/** Outcome types: each is applied at most once per order, whatever its eventId. */
const ONCE_ONLY_OUTCOMES: ReadonlySet<string> = new Set<SagaInputType>([
  'INVENTORY_RESERVED',
  'INVENTORY_RESERVATION_FAILED',
  'INVENTORY_RELEASED',
  'PAYMENT_PROCESSED',
  'PAYMENT_DECLINED',
  'PAYMENT_REFUNDED',
  'ORDER_SHIPPED',
  'SHIPPING_FAILED',
]);

export function isTerminalPhase(phase: SagaPhase): boolean {
  return phase === 'COMPLETED' || phase === 'CANCELLED';
}

/** What the sweeper saw of a saga past its deadline. */
export interface DueSaga {
  readonly orderId: string;
  readonly correlationId: string;
  readonly version: number;
  readonly deadlineAt: string;
  /** SagaState.traceId. */
  readonly traceId?: string;
}

/**
 * The sweeper's SAGA_STEP_TIMED_OUT for a saga seen at `version`. Its eventId depends on
 * (orderId, version) only: sweeping again before the saga applied it yields the same event
 * (a replay for the saga), and once the saga moved on the next one is a different event.
 */
export function stepTimedOutEvent(due: DueSaga, now: string): EventOf<'SAGA_STEP_TIMED_OUT'> {
  return originEvent({
    eventId: deterministicEventId(due.orderId, 'SAGA_STEP_TIMED_OUT', String(due.version)),
    eventType: 'SAGA_STEP_TIMED_OUT',
    orderId: due.orderId,
    correlationId: due.correlationId,
    occurredAt: now,
    traceId: due.traceId,
    payload: { version: due.version, deadlineAt: due.deadlineAt },
  });
}

/**
 * Decides what `incoming` does to the saga `state` (undefined = no saga for the order).
 * `now` (ISO-8601) stamps the emitted records and the state; `policy` sets step deadlines.
 */
export function decideSaga(
  state: SagaState | undefined,
  incoming: EventEnvelope,
  now: string,
  policy: SagaDeadlinePolicy = DEFAULT_SAGA_DEADLINE_POLICY,
): SagaDecision {
  if (!state) {
    if (incoming.eventType !== 'ORDER_CREATED') {
      return {
        kind: 'unknown-order',
        reason: `${incoming.eventType} for order ${incoming.orderId}, which has no saga yet`,
      };
    }
    return start(incoming as EventOf<'ORDER_CREATED'>, now, policy);
  }

  const applied = state.journal.find((entry) => entry.eventId === incoming.eventId);
  if (applied) return { kind: 'replay', emit: applied.emitted };

  if (incoming.eventType === 'ORDER_CREATED') {
    return { kind: 'ignored', reason: 'the saga of this order was already started by another ORDER_CREATED' };
  }
  if (ONCE_ONLY_OUTCOMES.has(incoming.eventType) && state.journal.some((e) => e.eventType === incoming.eventType)) {
    return {
      kind: 'ignored',
      reason: `${incoming.eventType} was already applied (duplicate outcome with another eventId)`,
    };
  }
  if (isTerminalPhase(state.phase)) {
    return { kind: 'ignored', reason: `the order is ${state.phase}; ${incoming.eventType} changes nothing` };
  }

  const step = new Step(state, incoming, now, policy);
  switch (incoming.eventType) {
    case 'ORDER_CANCEL_REQUESTED':
      return onCancelRequested(step);
    case 'INVENTORY_RESERVED':
      return onInventoryReserved(step);
    case 'INVENTORY_RESERVATION_FAILED':
      return onInventoryReservationFailed(step);
    case 'PAYMENT_PROCESSED':
      return onPaymentProcessed(step, incoming as EventOf<'PAYMENT_PROCESSED'>);
    case 'PAYMENT_DECLINED':
      return onPaymentDeclined(step);
    case 'ORDER_SHIPPED':
      return onOrderShipped(step, incoming as EventOf<'ORDER_SHIPPED'>);
    case 'SHIPPING_FAILED':
      return onShippingFailed(step);
    case 'INVENTORY_RELEASED':
      return onCompensated(step, 'RELEASE_INVENTORY');
    case 'PAYMENT_REFUNDED':
      return onCompensated(step, 'REFUND_PAYMENT');
    case 'SAGA_STEP_TIMED_OUT':
      return onStepTimedOut(step, incoming as EventOf<'SAGA_STEP_TIMED_OUT'>);
    default:
      return { kind: 'ignored', reason: `${incoming.eventType} is not a saga input` };
  }
}

function start(created: EventOf<'ORDER_CREATED'>, now: string, policy: SagaDeadlinePolicy): SagaDecision {
  const p = created.payload;
  const order: SagaOrder = {
    customerId: p.customerId,
    email: p.email,
    items: p.items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
    totalCents: p.totalCents,
    currency: p.currency,
    shippingAddress: { ...p.shippingAddress },
    ...(p.paymentToken !== undefined ? { paymentToken: p.paymentToken } : {}),
  };
  const emit = [
    causedBy(created, {
      eventType: 'RESERVE_INVENTORY',
      occurredAt: now,
      payload: { items: order.items.map(({ sku, quantity }) => ({ sku, quantity })) },
    }),
  ];
  const state: SagaState = {
    orderId: created.orderId,
    correlationId: created.correlationId,
    version: 1,
    phase: 'RESERVING',
    order,
    inventoryReserved: false,
    cancelRequested: false,
    compensations: {},
    deadlineAt: addSeconds(now, policy.stepTimeoutSeconds),
    redrives: 0,
    journal: [{ eventId: created.eventId, eventType: created.eventType, emitted: emit }],
    createdAt: now,
    updatedAt: now,
    ...(created.traceId ? { traceId: created.traceId } : {}),
  };
  return { kind: 'transition', state, emit };
}

function onCancelRequested(step: Step): SagaDecision {
  const { state } = step;
  if (state.phase === 'COMPENSATING' || state.cancelRequested) {
    return { kind: 'ignored', reason: 'the order is already being cancelled' };
  }
  // Every forward phase has its command in flight: remember the cancel, act on the outcome.
  return step.transition({ cancelRequested: true }, []);
}

function onInventoryReserved(step: Step): SagaDecision {
  if (step.state.phase !== 'RESERVING') return step.stale();
  if (step.state.cancelRequested) {
    return step.compensate({ inventoryReserved: true }, 'CUSTOMER_REQUESTED');
  }
  const { order } = step.state;
  return step.transition({ phase: 'PAYING', inventoryReserved: true }, [
    step.command('PROCESS_PAYMENT', {
      customerId: order.customerId,
      amountCents: order.totalCents,
      currency: order.currency,
      ...(order.paymentToken !== undefined ? { paymentToken: order.paymentToken } : {}),
    }),
  ]);
}

function onInventoryReservationFailed(step: Step): SagaDecision {
  if (step.state.phase !== 'RESERVING') return step.stale();
  // Nothing was reserved (all lines or none), nothing charged: cancel right away.
  return step.compensate({}, step.state.cancelRequested ? 'CUSTOMER_REQUESTED' : 'OUT_OF_STOCK');
}

function onPaymentProcessed(step: Step, event: EventOf<'PAYMENT_PROCESSED'>): SagaDecision {
  if (step.state.phase !== 'PAYING') return step.stale();
  const paymentId = event.payload.paymentId;
  if (step.state.cancelRequested) {
    return step.compensate({ paymentId }, 'CUSTOMER_REQUESTED');
  }
  const { order } = step.state;
  return step.transition({ phase: 'SHIPPING', paymentId }, [
    step.command('SHIP_ORDER', {
      shippingAddress: order.shippingAddress,
      items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    }),
  ]);
}

function onPaymentDeclined(step: Step): SagaDecision {
  if (step.state.phase !== 'PAYING') return step.stale();
  return step.compensate({}, step.state.cancelRequested ? 'CUSTOMER_REQUESTED' : 'PAYMENT_DECLINED');
}

function onOrderShipped(step: Step, event: EventOf<'ORDER_SHIPPED'>): SagaDecision {
  if (step.state.phase !== 'SHIPPING') return step.stale();
  // Shipped is past the point of no return: a cancel requested meanwhile is dropped.
  return step.transition({ phase: 'COMPLETED', shipmentId: event.payload.shipmentId }, [
    step.command('ORDER_COMPLETED', step.summary()),
  ]);
}

function onShippingFailed(step: Step): SagaDecision {
  if (step.state.phase !== 'SHIPPING') return step.stale();
  return step.compensate({}, step.state.cancelRequested ? 'CUSTOMER_REQUESTED' : 'SHIPPING_FAILED');
}

function onCompensated(step: Step, compensation: CompensationCommand): SagaDecision {
  const { state } = step;
  if (state.phase !== 'COMPENSATING' || state.compensations[compensation] !== 'PENDING') return step.stale();
  const compensations = { ...state.compensations, [compensation]: 'DONE' as const };
  const allDone = Object.values(compensations).every((status) => status === 'DONE');
  if (!allDone) return step.transition({ compensations }, []);
  return step.transition({ compensations, phase: 'CANCELLED' }, [
    step.cancelled(state.cancellationReason ?? 'CUSTOMER_REQUESTED'),
  ]);
}

function onStepTimedOut(step: Step, event: EventOf<'SAGA_STEP_TIMED_OUT'>): SagaDecision {
  const { state, policy } = step;
  if (event.payload.version !== state.version) {
    return {
      kind: 'ignored',
      reason: `the deadline passed at version ${event.payload.version}, but the saga moved on to version ${state.version}`,
    };
  }
  const redrives = state.redrives ?? 0;
  if (state.phase === 'COMPENSATING' || redrives < policy.maxRedrives) {
    // Compensations have nothing to fall back on: re-drive them for ever, backing off past maxRedrives.
    const backoff = state.phase === 'COMPENSATING' ? Math.max(0, redrives + 1 - policy.maxRedrives) : 0;
    const factor = 2 ** Math.min(backoff, MAX_COMPENSATION_BACKOFF_EXPONENT);
    return step.transition(
      { redrives: redrives + 1, deadlineAt: addSeconds(step.now, policy.stepTimeoutSeconds * factor) },
      commandsInFlight(state),
    );
  }
  // The step may still have succeeded: compensate it too (refund / release fence a late command).
  const inFlight: CompensationCommand | undefined =
    state.phase === 'RESERVING' ? 'RELEASE_INVENTORY' : state.phase === 'PAYING' ? 'REFUND_PAYMENT' : undefined;
  // SHIPPING has no compensation of its own: the refund on record makes shipping refuse a late SHIP_ORDER.
  const reason = state.cancelRequested ? 'CUSTOMER_REQUESTED' : 'STEP_TIMED_OUT';
  return step.compensate({ timedOutStep: state.phase }, reason, inFlight);
}

/** The journaled commands the saga is waiting on: the forward step's command, or the pending compensations. */
function commandsInFlight(state: SagaState): EventEnvelope[] {
  const wanted: string[] =
    state.phase === 'COMPENSATING'
      ? Object.entries(state.compensations)
          .filter(([, status]) => status === 'PENDING')
          .map(([command]) => command)
      : [FORWARD_COMMAND[state.phase as ForwardPhase]];
  return wanted.map((eventType) => {
    const envelope = latestEmitted(state, eventType);
    if (!envelope) throw new Error(`saga of order ${state.orderId} has no journaled ${eventType} to re-drive`);
    return envelope;
  });
}

type ForwardPhase = 'RESERVING' | 'PAYING' | 'SHIPPING';
const FORWARD_COMMAND: Readonly<Record<ForwardPhase, EventType>> = {
  RESERVING: 'RESERVE_INVENTORY',
  PAYING: 'PROCESS_PAYMENT',
  SHIPPING: 'SHIP_ORDER',
};

function latestEmitted(state: SagaState, eventType: string): EventEnvelope | undefined {
  for (let i = state.journal.length - 1; i >= 0; i -= 1) {
    const found = state.journal[i]!.emitted.find((e) => e.eventType === eventType);
    if (found) return found;
  }
  return undefined;
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** Helpers bound to one (state, incoming record, now, policy). */
class Step {
  public constructor(
    public readonly state: SagaState,
    private readonly incoming: EventEnvelope,
    public readonly now: string,
    public readonly policy: SagaDeadlinePolicy,
  ) {}

  /**
   * The next state: `changes` applied, version + 1, the incoming record journaled with `emit`.
   * Emitting commands starts a step (new deadline, re-drives reset) unless `changes` say
   * otherwise; a terminal phase drops the deadline.
   */
  public transition(changes: Partial<SagaState>, emit: EventEnvelope[]): SagaDecision {
    const startsStep =
      emit.length > 0 ? { deadlineAt: addSeconds(this.now, this.policy.stepTimeoutSeconds), redrives: 0 } : {};
    const { deadlineAt, ...next }: SagaState = {
      ...this.state,
      ...startsStep,
      ...changes,
      version: this.state.version + 1,
      updatedAt: this.now,
      journal: [
        ...this.state.journal,
        { eventId: this.incoming.eventId, eventType: this.incoming.eventType, emitted: emit },
      ],
    };
    const state: SagaState = isTerminalPhase(next.phase) ? next : { ...next, deadlineAt };
    return { kind: 'transition', state, emit };
  }

  /**
   * Fails the order with `reason`: issues the compensations for what is known to have
   * succeeded (after applying `changes`) and for `inFlight`, the compensation of a step
   * whose outcome never came, in reverse order (refund before release), or, when there is
   * nothing to undo, emits ORDER_CANCELLED at once.
   */
  public compensate(
    changes: Partial<SagaState>,
    reason: CancellationReason,
    inFlight?: CompensationCommand,
  ): SagaDecision {
    const after = { ...this.state, ...changes };
    const commands: CompensationCommand[] = [];
    if (after.paymentId !== undefined || inFlight === 'REFUND_PAYMENT') commands.push('REFUND_PAYMENT');
    if (after.inventoryReserved || inFlight === 'RELEASE_INVENTORY') commands.push('RELEASE_INVENTORY');
    if (commands.length === 0) {
      return this.transition({ ...changes, phase: 'CANCELLED', cancellationReason: reason }, [this.cancelled(reason)]);
    }
    const compensations: SagaState['compensations'] = Object.fromEntries(commands.map((c) => [c, 'PENDING' as const]));
    return this.transition(
      { ...changes, phase: 'COMPENSATING', cancellationReason: reason, compensations },
      commands.map((c) => this.command(c, {})),
    );
  }

  public stale(): SagaDecision {
    return {
      kind: 'ignored',
      reason: `${this.incoming.eventType} does not fit phase ${this.state.phase} (stale or out of order)`,
    };
  }

  /** A record caused by the incoming one; its payload must be the one `eventType`'s schema gives. */
  public command<T extends EventType>(eventType: T, payload: EventPayload<T>): EventOf<T> {
    return causedBy(this.incoming, { eventType, payload, occurredAt: this.now });
  }

  public summary(): EventPayload<'ORDER_COMPLETED'> {
    const { customerId, email, items, totalCents, currency } = this.state.order;
    return { customerId, email, items, totalCents, currency };
  }

  public cancelled(reason: CancellationReason): EventOf<'ORDER_CANCELLED'> {
    return this.command('ORDER_CANCELLED', { ...this.summary(), reason });
  }
}
