import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEmailLedger } from '../../../lambdas/adapters/dynamodb-email-ledger';
import { DynamoDbOrderReadModel } from '../../../lambdas/adapters/dynamodb-order-read-model';
import { DynamoDbSagaRepository } from '../../../lambdas/adapters/dynamodb-saga-repository';
import { decideSaga, type SagaState } from '../../../lambdas/domain/order-saga';
import { OrderEmailService } from '../../../lambdas/email/order-email-service';
import { SILENT_LOG } from '../../../lambdas/ports/log';
import { ReadModelVersionConflictError } from '../../../lambdas/ports/order-read-model';
import { SagaVersionConflictError } from '../../../lambdas/ports/saga-repository';
import { OrderProjector } from '../../../lambdas/projector/order-projector';
import { OrderSagaService } from '../../../lambdas/saga/order-saga-service';
import { RecordingEmailSender } from '../../helpers/email-fakes';
import { createTable } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { aCancelRequest, anOrderCreated, OUTCOME_PAYLOADS, outcomeOf } from '../../helpers/order-events';
import { RecordingPublisher } from '../../helpers/saga-fakes';

/** The saga, read-model and email-ledger adapters against DynamoDB Local. */
describe('saga, read model and email ledger on DynamoDB Local', () => {
  const fixture = useEmulators();
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    const { dynamodb } = fixture();
    await createTable(dynamodb, 'saga', [['orderId', 'HASH']]);
    await createTable(dynamodb, 'orders', [['orderId', 'HASH']]);
    await createTable(dynamodb, 'ledger', [
      ['orderId', 'HASH'],
      ['entry', 'RANGE'],
    ]);
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  });

  describe('DynamoDbSagaRepository', () => {
    it('stores the saga state whole and reads it back', async () => {
      // Prepare
      const repository = new DynamoDbSagaRepository(documents, 'saga');
      const decision = decideSaga(undefined, anOrderCreated({ paymentToken: 'tok_visa' }), '2026-01-01T12:00:00.000Z');
      if (decision.kind !== 'transition') throw new Error('setup');
      // Act
      await repository.save(decision.state, undefined);
      // Assess
      expect(await repository.get(decision.state.orderId)).toEqual(decision.state);
    });

    it('refuses a second saga for the same order and a write based on a stale version', async () => {
      // Prepare
      const repository = new DynamoDbSagaRepository(documents, 'saga');
      const created = anOrderCreated();
      const start = decideSaga(undefined, created, '2026-01-01T12:00:00.000Z') as { state: SagaState };
      await repository.save(start.state, undefined);
      const next = decideSaga(start.state, aCancelRequest(created), '2026-01-01T12:00:01.000Z') as { state: SagaState };
      await repository.save(next.state, 1);
      // Act & Assess
      await expect(repository.save(start.state, undefined)).rejects.toBeInstanceOf(SagaVersionConflictError);
      await expect(repository.save(next.state, 1)).rejects.toBeInstanceOf(SagaVersionConflictError);
      expect((await repository.get(created.orderId))?.version).toBe(2);
    });

    it('applies concurrent deliveries of the same record once and publishes the same follow-up ids', async () => {
      // Prepare
      const repository = new DynamoDbSagaRepository(documents, 'saga');
      const publisher = new RecordingPublisher();
      const service = new OrderSagaService(repository, publisher, SILENT_LOG);
      const created = anOrderCreated();
      await service.handle(created);
      const reserved = outcomeOf(publisher.published[0]!, 'INVENTORY_RESERVED', OUTCOME_PAYLOADS.INVENTORY_RESERVED);
      // Act
      const kinds = await Promise.all([1, 2, 3, 4].map(() => service.handle(reserved)));
      // Assess
      expect(kinds.filter((kind) => kind === 'transition')).toHaveLength(1);
      expect((await repository.get(created.orderId))?.version).toBe(2);
      const payments = publisher.published.filter((e) => e.eventType === 'PROCESS_PAYMENT');
      expect(payments.length).toBeGreaterThanOrEqual(1);
      for (const payment of payments) expect(payment).toEqual(payments[0]); // same id, same timestamp, same payload
    });
  });

  describe('DynamoDbOrderReadModel', () => {
    it('refuses a write based on a stale version', async () => {
      // Prepare
      const readModel = new DynamoDbOrderReadModel(documents, 'orders');
      const projector = new OrderProjector(readModel, SILENT_LOG);
      const created = anOrderCreated();
      await projector.handle(created);
      const view = (await readModel.get(created.orderId))!;
      await readModel.save({ ...view, status: 'INVENTORY_RESERVED', version: 2 }, 1);
      // Act & Assess
      await expect(readModel.save({ ...view, version: 2 }, 1)).rejects.toBeInstanceOf(ReadModelVersionConflictError);
      await expect(readModel.save(view, undefined)).rejects.toBeInstanceOf(ReadModelVersionConflictError);
    });

    it('projects a replayed, partly concurrent lifecycle to one history entry per status', async () => {
      // Prepare
      const readModel = new DynamoDbOrderReadModel(documents, 'orders');
      const projector = new OrderProjector(readModel, SILENT_LOG);
      const created = anOrderCreated();
      const reserved = outcomeOf(
        created,
        'INVENTORY_RESERVED',
        OUTCOME_PAYLOADS.INVENTORY_RESERVED,
        '2026-01-01T10:00:01.000Z',
      );
      const { customerId, email, items, totalCents, currency } = created.payload;
      const cancelled = outcomeOf(
        created,
        'ORDER_CANCELLED',
        { customerId, email, items, totalCents, currency, reason: 'PAYMENT_DECLINED' as const },
        '2026-01-01T10:00:05.000Z',
      );
      // Act
      await projector.handle(created);
      await Promise.all([projector.handle(reserved), projector.handle(reserved), projector.handle(created)]);
      await projector.handle(cancelled);
      await Promise.all([projector.handle(reserved), projector.handle(cancelled)]);
      // Assess
      const view = await readModel.get(created.orderId);
      expect(view).toMatchObject({
        status: 'CANCELLED',
        cancellationReason: 'PAYMENT_DECLINED',
        version: 3,
        totalCents: 3000,
      });
      expect(view?.items).toEqual(created.payload.items);
      expect(view?.history).toEqual([
        { status: 'PENDING', at: created.occurredAt },
        { status: 'INVENTORY_RESERVED', at: '2026-01-01T10:00:01.000Z' },
        { status: 'CANCELLED', at: '2026-01-01T10:00:05.000Z' },
      ]);
    });

    it('answers undefined for an unknown order', async () => {
      // Act & Assess
      expect(await new DynamoDbOrderReadModel(documents, 'orders').get('no-such-order')).toBeUndefined();
    });
  });

  describe('DynamoDbEmailLedger', () => {
    it('lets exactly one of many concurrent claims through, and none after SENT', async () => {
      // Prepare
      const ledger = new DynamoDbEmailLedger(documents, 'ledger');
      const now = Date.now();
      // Act
      const claims = await Promise.all(
        ['a', 'b', 'c', 'd'].map((token) => ledger.claim('o-claim', 'ORDER_COMPLETED', token, now, 10_000)),
      );
      const winner = ['a', 'b', 'c', 'd'][claims.findIndex((c) => c.outcome === 'claimed')]!;
      const marked = await ledger.markSent('o-claim', 'ORDER_COMPLETED', winner, {
        sentAt: '2026-01-01T00:00:00.000Z',
        messageId: 'm-1',
      });
      const afterSent = await ledger.claim('o-claim', 'ORDER_COMPLETED', 'e', now + 60_000, 10_000);
      // Assess
      expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.outcome === 'in-progress')).toHaveLength(3);
      expect(marked).toBe(true);
      expect(afterSent).toEqual({ outcome: 'already-sent', sentAt: '2026-01-01T00:00:00.000Z' });
      const { Item } = await documents.send(
        new GetCommand({ TableName: 'ledger', Key: { orderId: 'o-claim', entry: 'EMAIL#ORDER_COMPLETED' } }),
      );
      expect(Item).toMatchObject({ status: 'SENT', messageId: 'm-1' });
    });

    it('lets a claim under an expired lease be taken over, and the old holder can then no longer mark it', async () => {
      // Prepare
      const ledger = new DynamoDbEmailLedger(documents, 'ledger');
      const now = Date.now();
      await ledger.claim('o-lease', 'ORDER_CANCELLED', 'old', now, 1_000);
      // Act
      const early = await ledger.claim('o-lease', 'ORDER_CANCELLED', 'new', now + 500, 1_000);
      const late = await ledger.claim('o-lease', 'ORDER_CANCELLED', 'new', now + 1_500, 1_000);
      const oldMarks = await ledger.markSent('o-lease', 'ORDER_CANCELLED', 'old', { sentAt: 'x' });
      // Assess
      expect(early).toEqual({ outcome: 'in-progress', leaseExpiresAt: now + 1_000 });
      expect(late).toEqual({ outcome: 'claimed' });
      expect(oldMarks).toBe(false);
    });

    it('frees the entry on release by its holder only', async () => {
      // Prepare
      const ledger = new DynamoDbEmailLedger(documents, 'ledger');
      const now = Date.now();
      await ledger.claim('o-release', 'ORDER_COMPLETED', 'holder', now, 60_000);
      // Act
      await ledger.release('o-release', 'ORDER_COMPLETED', 'intruder');
      const whileHeld = await ledger.claim('o-release', 'ORDER_COMPLETED', 'other', now, 60_000);
      await ledger.release('o-release', 'ORDER_COMPLETED', 'holder');
      const afterRelease = await ledger.claim('o-release', 'ORDER_COMPLETED', 'other', now, 60_000);
      // Assess
      expect(whileHeld.outcome).toBe('in-progress');
      expect(afterRelease.outcome).toBe('claimed');
    });

    it('sends one email per order and kind when the terminal event is handled concurrently and again', async () => {
      // Prepare
      const sender = new RecordingEmailSender();
      const service = new OrderEmailService(new DynamoDbEmailLedger(documents, 'ledger'), sender, SILENT_LOG, {
        maxWaitMs: 0,
      });
      const created = anOrderCreated();
      const { customerId, email, items, totalCents, currency } = created.payload;
      const completed = outcomeOf(created, 'ORDER_COMPLETED', { customerId, email, items, totalCents, currency });
      // Act
      const results = await Promise.allSettled([1, 2, 3].map(() => service.onOrderCompleted(completed)));
      const again = await service.onOrderCompleted(completed);
      // Assess
      expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'sent')).toHaveLength(1);
      expect(again).toBe('already-sent');
      expect(sender.sent).toHaveLength(1);
    });
  });
});
