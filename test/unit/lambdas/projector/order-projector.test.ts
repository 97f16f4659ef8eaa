import { projectOrderEvent } from '../../../../lambdas/domain/order-projection';
import type { OrderView } from '../../../../lambdas/domain/order-status';
import { SILENT_LOG } from '../../../../lambdas/ports/log';
import { type OrderReadModelWriter, ReadModelVersionConflictError } from '../../../../lambdas/ports/order-read-model';
import { OrderProjector } from '../../../../lambdas/projector/order-projector';
import { anOrderCreated, OUTCOME_PAYLOADS, outcomeOf } from '../../../helpers/order-events';

class InMemoryReadModel implements OrderReadModelWriter {
  public readonly items = new Map<string, OrderView>();
  public beforeSave: (() => void) | undefined;
  public async get(orderId: string) {
    const item = this.items.get(orderId);
    return item ? structuredClone(item) : undefined;
  }
  public async save(view: OrderView, expectedVersion: number | undefined) {
    const hook = this.beforeSave;
    this.beforeSave = undefined;
    hook?.();
    if (this.items.get(view.orderId)?.version !== expectedVersion)
      throw new ReadModelVersionConflictError(view.orderId, expectedVersion);
    this.items.set(view.orderId, structuredClone(view));
  }
}

describe('OrderProjector', () => {
  it('projects each event once even when the stream is replayed', async () => {
    // Prepare
    const readModel = new InMemoryReadModel();
    const projector = new OrderProjector(readModel, SILENT_LOG);
    const created = anOrderCreated();
    const reserved = outcomeOf(created, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED);
    // Act
    for (const event of [created, reserved, created, reserved]) await projector.handle(event);
    // Assess
    const view = readModel.items.get(created.orderId)!;
    expect(view.status).toBe('INVENTORY_RESERVED');
    expect(view.history.map((h) => h.status)).toEqual(['PENDING', 'INVENTORY_RESERVED']);
    expect(view.version).toBe(2);
  });

  it('reloads and projects again on a version conflict, without losing either change', async () => {
    // Prepare
    const readModel = new InMemoryReadModel();
    const projector = new OrderProjector(readModel, SILENT_LOG);
    const created = anOrderCreated();
    await projector.handle(created);
    const reserved = outcomeOf(created, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED);
    const charged = outcomeOf(created, 'PAYMENT_PROCESSED', OUTCOME_PAYLOADS.PAYMENT_PROCESSED);
    readModel.beforeSave = () => {
      // a concurrent writer projects INVENTORY_RESERVED first
      const decision = projectOrderEvent(readModel.items.get(created.orderId), reserved);
      if (decision.kind === 'updated') readModel.items.set(created.orderId, decision.view);
    };
    // Act
    await projector.handle(charged);
    // Assess
    const view = readModel.items.get(created.orderId)!;
    expect(view.history.map((h) => h.status)).toEqual(['PENDING', 'INVENTORY_RESERVED', 'PAYMENT_PROCESSED']);
  });
});
