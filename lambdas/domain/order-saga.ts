import { causedBy, type EventEnvelope } from '../shared/envelope';
import type { CancellationReason, EventPayload, EventType, PricedOrderLine, ShippingAddress } from './events';

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
 */

export type SagaPhase = 'RESERVING' | 'PAYING' | 'SHIPPING' | 'COMPENSATING' | 'COMPLETED' | 'CANCELLED';

export type CompensationCommand = 'RELEASE_INVENTORY' | 'REFUND_PAYMENT';

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
  readonly journal: SagaJournalEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
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

/**
 * Decides what `incoming` does to the saga `state` (undefined = no saga for the order).
 * `now` (ISO-8601) stamps the emitted records and the state.
 */
export function decideSaga(state: SagaState | undefined, incoming: EventEnvelope, now: string): SagaDecision {
  if (!state) {
    if (incoming.eventType !== 'ORDER_CREATED') {
      return {
        kind: 'unknown-order',
        reason: `${incoming.eventType} for order ${incoming.orderId}, which has no saga yet`,
      };
    }
    return start(incoming as EventEnvelope<EventPayload<'ORDER_CREATED'>>, now);
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

  const step = new Step(state, incoming, now);
  switch (incoming.eventType) {
    case 'ORDER_CANCEL_REQUESTED':
      return onCancelRequested(step);
    case 'INVENTORY_RESERVED':
      return onInventoryReserved(step);
    case 'INVENTORY_RESERVATION_FAILED':
      return onInventoryReservationFailed(step);
    case 'PAYMENT_PROCESSED':
      return onPaymentProcessed(step, incoming as EventEnvelope<EventPayload<'PAYMENT_PROCESSED'>>);
    case 'PAYMENT_DECLINED':
      return onPaymentDeclined(step);
    case 'ORDER_SHIPPED':
      return onOrderShipped(step, incoming as EventEnvelope<EventPayload<'ORDER_SHIPPED'>>);
    case 'SHIPPING_FAILED':
      return onShippingFailed(step);
    case 'INVENTORY_RELEASED':
      return onCompensated(step, 'RELEASE_INVENTORY');
    case 'PAYMENT_REFUNDED':
      return onCompensated(step, 'REFUND_PAYMENT');
    default:
      return { kind: 'ignored', reason: `${incoming.eventType} is not a saga input` };
  }
}

function start(created: EventEnvelope<EventPayload<'ORDER_CREATED'>>, now: string): SagaDecision {
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
      payload: {
        items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
      } satisfies EventPayload<'RESERVE_INVENTORY'>,
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
    journal: [{ eventId: created.eventId, eventType: created.eventType, emitted: emit }],
    createdAt: now,
    updatedAt: now,
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
    } satisfies EventPayload<'PROCESS_PAYMENT'>),
  ]);
}

function onInventoryReservationFailed(step: Step): SagaDecision {
  if (step.state.phase !== 'RESERVING') return step.stale();
  // Nothing was reserved (all lines or none), nothing charged: cancel right away.
  return step.compensate({}, step.state.cancelRequested ? 'CUSTOMER_REQUESTED' : 'OUT_OF_STOCK');
}

function onPaymentProcessed(step: Step, event: EventEnvelope<EventPayload<'PAYMENT_PROCESSED'>>): SagaDecision {
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
    } satisfies EventPayload<'SHIP_ORDER'>),
  ]);
}

function onPaymentDeclined(step: Step): SagaDecision {
  if (step.state.phase !== 'PAYING') return step.stale();
  return step.compensate({}, step.state.cancelRequested ? 'CUSTOMER_REQUESTED' : 'PAYMENT_DECLINED');
}

function onOrderShipped(step: Step, event: EventEnvelope<EventPayload<'ORDER_SHIPPED'>>): SagaDecision {
  if (step.state.phase !== 'SHIPPING') return step.stale();
  // Shipped is past the point of no return: a cancel requested meanwhile is dropped.
  return step.transition({ phase: 'COMPLETED', shipmentId: event.payload.shipmentId }, [
    step.command('ORDER_COMPLETED', step.summary() satisfies EventPayload<'ORDER_COMPLETED'>),
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

/** Helpers bound to one (state, incoming record, now). */
class Step {
  public constructor(
    public readonly state: SagaState,
    private readonly incoming: EventEnvelope,
    private readonly now: string,
  ) {}

  public transition(changes: Partial<SagaState>, emit: EventEnvelope[]): SagaDecision {
    const state: SagaState = {
      ...this.state,
      ...changes,
      version: this.state.version + 1,
      updatedAt: this.now,
      journal: [
        ...this.state.journal,
        { eventId: this.incoming.eventId, eventType: this.incoming.eventType, emitted: emit },
      ],
    };
    return { kind: 'transition', state, emit };
  }

  /**
   * Fails the order with `reason`: issues the compensations for what is known to have
   * succeeded (after applying `changes`), in reverse order (refund before release), or,
   * when there is nothing to undo, emits ORDER_CANCELLED at once.
   */
  public compensate(changes: Partial<SagaState>, reason: CancellationReason): SagaDecision {
    const after = { ...this.state, ...changes };
    const commands: CompensationCommand[] = [];
    if (after.paymentId !== undefined) commands.push('REFUND_PAYMENT');
    if (after.inventoryReserved) commands.push('RELEASE_INVENTORY');
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

  public command<P extends Record<string, unknown>>(eventType: EventType, payload: P): EventEnvelope<P> {
    return causedBy(this.incoming, { eventType, payload, occurredAt: this.now });
  }

  public summary(): EventPayload<'ORDER_COMPLETED'> {
    const { customerId, email, items, totalCents, currency } = this.state.order;
    return { customerId, email, items, totalCents, currency };
  }

  public cancelled(reason: CancellationReason): EventEnvelope {
    return this.command('ORDER_CANCELLED', { ...this.summary(), reason } satisfies EventPayload<'ORDER_CANCELLED'>);
  }
}
