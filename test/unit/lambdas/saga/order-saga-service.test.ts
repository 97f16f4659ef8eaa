import { decideSaga } from '../../../../lambdas/domain/order-saga';
import { SILENT_LOG } from '../../../../lambdas/ports/log';
import { OrderSagaService, SagaNotFoundError } from '../../../../lambdas/saga/order-saga-service';
import { aCancelRequest, anOrderCreated, OUTCOME_PAYLOADS, outcomeOf } from '../../../helpers/order-events';
import { InMemorySagaRepository, RecordingPublisher } from '../../../helpers/saga-fakes';

function aSagaService() {
  const repository = new InMemorySagaRepository();
  const publisher = new RecordingPublisher();
  let tick = 0;
  const now = () => new Date(Date.UTC(2026, 0, 1, 12, 0, tick++)).toISOString();
  const service = new OrderSagaService(repository, publisher, SILENT_LOG, { now });
  return { repository, publisher, service };
}

describe('OrderSagaService', () => {
  it('saves the new state, then publishes the follow-up command', async () => {
    // Prepare
    const { repository, publisher, service } = aSagaService();
    const created = anOrderCreated();
    // Act
    const kind = await service.handle(created);
    // Assess
    expect(kind).toBe('transition');
    expect(repository.items.get(created.orderId)).toMatchObject({ phase: 'RESERVING', version: 1 });
    expect(publisher.types()).toEqual(['RESERVE_INVENTORY']);
  });

  it('republishes the identical follow-ups when a record is redelivered after its publish failed', async () => {
    // Prepare
    const { repository, publisher, service } = aSagaService();
    const created = anOrderCreated();
    await service.handle(created);
    const reserved = outcomeOf(publisher.published[0]!, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED);
    publisher.failNext = 1;
    await expect(service.handle(reserved)).rejects.toThrow('stream unavailable');
    const saved = repository.items.get(created.orderId)!;
    // Act
    const kind = await service.handle(reserved);
    // Assess
    expect(kind).toBe('replay');
    expect(repository.items.get(created.orderId)).toEqual(saved);
    expect(publisher.types()).toEqual(['RESERVE_INVENTORY', 'PROCESS_PAYMENT']);
    expect(publisher.published[1]).toEqual(saved.journal[1]!.emitted[0]);
  });

  it('reloads and decides again when another writer changed the saga in between', async () => {
    // Prepare
    const { repository, publisher, service } = aSagaService();
    const created = anOrderCreated();
    await service.handle(created);
    const reserved = outcomeOf(publisher.published[0]!, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED);
    const cancel = aCancelRequest(created);
    repository.beforeSave = () => {
      // a concurrent invocation applies the cancel first
      const current = repository.items.get(created.orderId)!;
      const decision = decideSaga(current, cancel, '2026-01-01T12:30:00.000Z');
      if (decision.kind !== 'transition') throw new Error('setup: cancel should apply');
      repository.items.set(created.orderId, decision.state);
    };
    // Act
    const kind = await service.handle(reserved);
    // Assess
    expect(kind).toBe('transition');
    expect(repository.items.get(created.orderId)).toMatchObject({
      phase: 'COMPENSATING',
      version: 3,
      cancellationReason: 'CUSTOMER_REQUESTED',
    });
    expect(publisher.types()).toEqual(['RESERVE_INVENTORY', 'RELEASE_INVENTORY']);
  });

  it('neither writes nor publishes for an ignored record', async () => {
    // Prepare
    const { repository, publisher, service } = aSagaService();
    const created = anOrderCreated();
    await service.handle(created);
    const failed = outcomeOf(
      publisher.published[0]!,
      'INVENTORY_RESERVATION_FAILED',
      OUTCOME_PAYLOADS.INVENTORY_RESERVATION_FAILED,
    );
    await service.handle(failed);
    const writes = repository.writes;
    // Act
    const kind = await service.handle(aCancelRequest(created));
    // Assess
    expect(kind).toBe('ignored');
    expect(repository.writes).toBe(writes);
    expect(publisher.types()).toEqual(['RESERVE_INVENTORY', 'ORDER_CANCELLED']);
  });

  it('fails the record (to be retried) when its order has no saga yet', async () => {
    // Prepare
    const { publisher, service } = aSagaService();
    const created = anOrderCreated();
    // Act & Assess
    await expect(service.handle(aCancelRequest(created))).rejects.toBeInstanceOf(SagaNotFoundError);
    expect(publisher.published).toEqual([]);
  });

  it('reaches exactly one terminal event when every record of a failing order is delivered twice', async () => {
    // Prepare
    const { publisher, service } = aSagaService();
    const created = anOrderCreated({ paymentToken: 'tok_chargeDeclined' });
    const deliverTwice = async (event: Parameters<OrderSagaService['handle']>[0]) => {
      await service.handle(event);
      await service.handle(event);
    };
    // Act
    await deliverTwice(created);
    const reserve = publisher.published.find((e) => e.eventType === 'RESERVE_INVENTORY')!;
    await deliverTwice(outcomeOf(reserve, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED));
    const pay = publisher.published.find((e) => e.eventType === 'PROCESS_PAYMENT')!;
    await deliverTwice(outcomeOf(pay, 'PAYMENT_DECLINED', OUTCOME_PAYLOADS.PAYMENT_DECLINED));
    const release = publisher.published.find((e) => e.eventType === 'RELEASE_INVENTORY')!;
    await deliverTwice(outcomeOf(release, 'INVENTORY_RELEASED', {}));
    // Assess
    const distinct = new Map(publisher.published.map((e) => [e.eventId, e.eventType]));
    expect([...distinct.values()]).toEqual([
      'RESERVE_INVENTORY',
      'PROCESS_PAYMENT',
      'RELEASE_INVENTORY',
      'ORDER_CANCELLED',
    ]);
  });
});
