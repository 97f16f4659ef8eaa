import type { EventEnvelope } from '../../../../lambdas/contract/envelope';
import type { EventPayload } from '../../../../lambdas/contract/events';
import { projectOrderEvent } from '../../../../lambdas/domain/order-projection';
import type { OrderView } from '../../../../lambdas/domain/order-status';
import { anOrderCreated, OUTCOME_PAYLOADS, outcomeOf } from '../../../helpers/order-events';

function updated(view: OrderView | undefined, event: EventEnvelope): OrderView {
  const decision = projectOrderEvent(view, event);
  if (decision.kind !== 'updated') throw new Error(`expected an update, got ${JSON.stringify(decision)}`);
  return decision.view;
}

function lifecycle() {
  const created = anOrderCreated();
  const summary: EventPayload<'ORDER_COMPLETED'> = {
    customerId: created.payload.customerId,
    email: created.payload.email,
    items: created.payload.items,
    totalCents: created.payload.totalCents,
    currency: created.payload.currency,
  };
  const at = (second: number) => `2026-01-01T10:00:0${second}.000Z`;
  return {
    created,
    reserved: outcomeOf(created, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED, at(1)),
    charged: outcomeOf(created, 'PAYMENT_PROCESSED', OUTCOME_PAYLOADS.PAYMENT_PROCESSED, at(2)),
    shipped: outcomeOf(created, 'ORDER_SHIPPED', OUTCOME_PAYLOADS.ORDER_SHIPPED, at(3)),
    completed: outcomeOf(created, 'ORDER_COMPLETED', summary, at(4)),
    cancelled: outcomeOf(created, 'ORDER_CANCELLED', { ...summary, reason: 'PAYMENT_DECLINED' as const }, at(5)),
  };
}

describe('projectOrderEvent', () => {
  it('opens a PENDING view with priced items and total on ORDER_CREATED', () => {
    // Prepare
    const { created } = lifecycle();
    // Act
    const view = updated(undefined, created);
    // Assess
    expect(view).toEqual({
      orderId: created.orderId,
      status: 'PENDING',
      customerId: 'cust-1',
      email: 'ada@example.com',
      items: created.payload.items,
      totalCents: 3000,
      currency: 'EUR',
      history: [{ status: 'PENDING', at: created.occurredAt }],
      version: 1,
    });
  });

  it('records every status of the happy path once, in order, with the time of each fact', () => {
    // Prepare
    const e = lifecycle();
    // Act
    const view = [e.reserved, e.charged, e.shipped, e.completed].reduce(updated, updated(undefined, e.created));
    // Assess
    expect(view.status).toBe('COMPLETED');
    expect(view.version).toBe(5);
    expect(view.history).toEqual([
      { status: 'PENDING', at: e.created.occurredAt },
      { status: 'INVENTORY_RESERVED', at: e.reserved.occurredAt },
      { status: 'PAYMENT_PROCESSED', at: e.charged.occurredAt },
      { status: 'SHIPPED', at: e.shipped.occurredAt },
      { status: 'COMPLETED', at: e.completed.occurredAt },
    ]);
  });

  it('sets the cancellation reason on ORDER_CANCELLED', () => {
    // Prepare
    const e = lifecycle();
    const reserved = updated(updated(undefined, e.created), e.reserved);
    // Act
    const view = updated(reserved, e.cancelled);
    // Assess
    expect(view).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_DECLINED', version: 3 });
    expect(view.history.map((h) => h.status)).toEqual(['PENDING', 'INVENTORY_RESERVED', 'CANCELLED']);
  });

  it('ignores a duplicate event: no second history entry', () => {
    // Prepare
    const e = lifecycle();
    const view = updated(updated(undefined, e.created), e.reserved);
    // Act
    const again = projectOrderEvent(view, e.reserved);
    const createdAgain = projectOrderEvent(view, e.created);
    // Assess
    expect(again.kind).toBe('ignored');
    expect(createdAgain.kind).toBe('ignored');
  });

  it('never regresses: a late event after a later status is ignored', () => {
    // Prepare
    const e = lifecycle();
    const view = [e.reserved, e.charged].reduce(updated, updated(undefined, e.created));
    // Act
    const decision = projectOrderEvent(view, e.reserved);
    // Assess
    expect(decision).toEqual({ kind: 'ignored', reason: expect.stringContaining('not ahead') });
  });

  it('keeps terminal statuses final', () => {
    // Prepare
    const e = lifecycle();
    const cancelled = updated(updated(undefined, e.created), e.cancelled);
    const completed = [e.reserved, e.charged, e.shipped, e.completed].reduce(updated, updated(undefined, e.created));
    // Act & Assess
    expect(projectOrderEvent(cancelled, e.completed).kind).toBe('ignored');
    expect(projectOrderEvent(cancelled, e.shipped).kind).toBe('ignored');
    expect(projectOrderEvent(completed, e.cancelled).kind).toBe('ignored');
  });

  it('opens the view from a terminal event when ORDER_CREATED never reached the projector', () => {
    // Prepare
    const e = lifecycle();
    // Act
    const view = updated(undefined, e.cancelled);
    const orphan = projectOrderEvent(undefined, e.reserved);
    // Assess
    expect(view).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'PAYMENT_DECLINED',
      totalCents: 3000,
      version: 1,
    });
    expect(orphan.kind).toBe('ignored');
  });

  it('ignores event types that carry no status', () => {
    // Prepare
    const e = lifecycle();
    const view = updated(undefined, e.created);
    // Act
    const decision = projectOrderEvent(
      view,
      outcomeOf(e.created, 'PAYMENT_DECLINED', OUTCOME_PAYLOADS.PAYMENT_DECLINED),
    );
    // Assess
    expect(decision.kind).toBe('ignored');
  });
});
