import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { DynamoDbCatalog } from '../../../lambdas/adapters/dynamodb-catalog';
import { DynamoDbEmailLedger } from '../../../lambdas/adapters/dynamodb-email-ledger';
import { DynamoDbOrderReadModel } from '../../../lambdas/adapters/dynamodb-order-read-model';
import { DynamoDbOutcomeLedger } from '../../../lambdas/adapters/dynamodb-outcome-ledger';
import { DynamoDbReservations } from '../../../lambdas/adapters/dynamodb-reservations';
import { DynamoDbSagaRepository } from '../../../lambdas/adapters/dynamodb-saga-repository';
import { KinesisEventPublisher } from '../../../lambdas/adapters/kinesis-event-publisher';
import { SimulatedPaymentGateway } from '../../../lambdas/adapters/simulated-payment-gateway';
import { SimulatedShippingProvider } from '../../../lambdas/adapters/simulated-shipping-provider';
import { deterministicEventId, type EventEnvelope } from '../../../lambdas/contract/envelope';
import { PROJECTED_EVENT_TYPES } from '../../../lambdas/domain/order-projection';
import { SAGA_INPUT_TYPES } from '../../../lambdas/domain/order-saga';
import { OrderEmailService } from '../../../lambdas/email/order-email-service';
import { InventoryService } from '../../../lambdas/inventory/inventory-service';
import { PaymentService } from '../../../lambdas/payment/payment-service';
import type { EventPublisher } from '../../../lambdas/ports/event-publisher';
import { SILENT_LOG } from '../../../lambdas/ports/log';
import { OrderProjector } from '../../../lambdas/projector/order-projector';
import { faultInjector } from '../../../lambdas/runtime/fault-injection';
import { createStreamConsumer, handleAll, type RecordHandlers } from '../../../lambdas/runtime/stream-consumer';
import { OrderSagaService } from '../../../lambdas/saga/order-saga-service';
import { ShippingService } from '../../../lambdas/shipping/shipping-service';
import { RecordingEmailSender } from '../../helpers/email-fakes';
import { createActiveStream, createTable, ofOrder, readEnvelopes } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { aKinesisEvent, aLambdaContext } from '../../helpers/kinesis-events';
import { anOrderCreated, outcomeOf } from '../../helpers/order-events';
import { createSagaTable } from '../../helpers/saga-table';

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const STREAM = 'orderstream-exactly-once-test';

/** Stands for a process that died after the effect and before its publish reached the stream. */
const diedBeforePublishing: EventPublisher = {
  publish: async () => {
    throw new Error('process died before publishing');
  },
};

/**
 * Every consumer is exactly-once by its own state, with no per-record idempotency store: the
 * same record delivered twice at once, and again after a crash between its effect and its
 * publish, has its effect once and publishes its outcome under one eventId. Real adapters on
 * DynamoDB Local, real publisher on kinesis-mock, the shared stream consumer in front.
 */
describe('one exactly-once guard per consumer, under redelivery, on the emulators', () => {
  const fixture = useEmulators();
  let documents: DynamoDBDocumentClient;
  let live: EventPublisher;

  beforeAll(async () => {
    const { dynamodb, kinesis } = fixture();
    await createActiveStream(kinesis, STREAM);
    await createSagaTable(dynamodb, 'saga');
    await createTable(dynamodb, 'inventory', [['pk', 'HASH']]);
    await createTable(dynamodb, 'orders', [['orderId', 'HASH']]);
    await createTable(dynamodb, 'ledger', [
      ['orderId', 'HASH'],
      ['entry', 'RANGE'],
    ]);
    documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    live = new KinesisEventPublisher({ client: kinesis, streamName: STREAM });
  });

  const deliver = (handler: Handler, record: EventEnvelope) => handler(aKinesisEvent([record]), aLambdaContext());
  const consumer = (handlers: RecordHandlers): Handler => createStreamConsumer({ handlers, faults: null });

  /** eventIds of the `eventType` records of an order on the stream (one per publish). */
  async function publishedIds(orderId: string, eventType: string): Promise<string[]> {
    return (await readEnvelopes(fixture().kinesis, STREAM, ofOrder(orderId)))
      .filter((record) => record.envelope.eventType === eventType)
      .map((record) => record.envelope.eventId);
  }

  /**
   * A consumer that publishes an outcome: how to make its input record, build it with a given
   * publisher, and count its effect for an order.
   */
  interface PublishingCase {
    readonly outcome: string;
    prepare(): Promise<EventEnvelope>;
    build(publisher: EventPublisher): Handler;
    effects(record: EventEnvelope): Promise<number>;
    /**
     * Two deliveries at once may both pass the ledger check and both call the provider before
     * either records: the provider's idempotency key (the orderId) makes the second call return
     * the first charge/shipment, and the ledger keeps one outcome. Sequential redeliveries never call it again.
     */
    readonly concurrentCallsShareAKey?: boolean;
  }

  const gateway = new SimulatedPaymentGateway();
  const carrier = new SimulatedShippingProvider();
  const ledger = () => new DynamoDbOutcomeLedger(documents, 'ledger');
  const catalog = () => new DynamoDbCatalog(documents, { tableName: 'inventory' });
  const reservations = () => new DynamoDbReservations(documents, { tableName: 'inventory' });
  let sku = 0;

  const cases: Record<string, PublishingCase> = {
    'saga (versioned journal)': {
      outcome: 'RESERVE_INVENTORY',
      prepare: async () => anOrderCreated(),
      build: (publisher) => {
        const saga = new OrderSagaService(new DynamoDbSagaRepository(documents, 'saga'), publisher, SILENT_LOG);
        return consumer(handleAll(SAGA_INPUT_TYPES, async (event) => void (await saga.handle(event))));
      },
      // every applied record bumps the version: 1 = ORDER_CREATED applied once
      effects: async (record) => {
        const { Item } = await documents.send(new GetCommand({ TableName: 'saga', Key: { orderId: record.orderId } }));
        return Number(Item?.version ?? 0);
      },
    },
    'inventory (reservation items)': {
      outcome: 'INVENTORY_RESERVED',
      prepare: async () => {
        sku += 1;
        await catalog().putItem({ sku: `X-${sku}`, available: 10, priceCents: 100 });
        return outcomeOf(anOrderCreated(), 'RESERVE_INVENTORY', { items: [{ sku: `X-${sku}`, quantity: 3 }] });
      },
      build: (publisher) => {
        const service = new InventoryService(reservations(), publisher, SILENT_LOG);
        return consumer({
          RESERVE_INVENTORY: (event) => service.reserve(event),
          RELEASE_INVENTORY: (event) => service.release(event),
        });
      },
      // reservations of 3 units taken from 10
      effects: async (record) => {
        const line = (record.payload as { items: { sku: string }[] }).items[0]!;
        return (10 - ((await catalog().getItem(line.sku))?.available ?? 10)) / 3;
      },
    },
    'payment (ledger, first writer wins)': {
      outcome: 'PAYMENT_PROCESSED',
      prepare: async () =>
        outcomeOf(anOrderCreated(), 'PROCESS_PAYMENT', { customerId: 'c-1', amountCents: 700, currency: 'EUR' }),
      build: (publisher) => {
        const service = new PaymentService(gateway, ledger(), publisher, SILENT_LOG);
        return consumer({
          PROCESS_PAYMENT: (event) => service.processPayment(event),
          REFUND_PAYMENT: (event) => service.refundPayment(event),
        });
      },
      effects: async (record) => gateway.charges.filter((call) => call.orderId === record.orderId).length,
      concurrentCallsShareAKey: true,
    },
    'shipping (ledger, first writer wins)': {
      outcome: 'ORDER_SHIPPED',
      prepare: async () => {
        const created = anOrderCreated();
        return outcomeOf(created, 'SHIP_ORDER', {
          shippingAddress: created.payload.shippingAddress,
          items: [{ sku: 'S-1', quantity: 1 }],
        });
      },
      build: (publisher) => {
        const service = new ShippingService(carrier, ledger(), publisher, SILENT_LOG);
        return consumer({ SHIP_ORDER: (event) => service.shipOrder(event) });
      },
      effects: async (record) => carrier.requests.filter((call) => call.orderId === record.orderId).length,
      concurrentCallsShareAKey: true,
    },
  };

  describe.each(Object.entries(cases))('%s', (_name, c) => {
    it('the same record twice, concurrently: one effect, one outcome eventId', async () => {
      // Prepare
      const record = await c.prepare();
      const handler = c.build(live);
      // Act
      const responses = await Promise.all([deliver(handler, record), deliver(handler, record)]);
      // Assess
      expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
      const effects = await c.effects(record);
      if (c.concurrentCallsShareAKey) expect([1, 2]).toContain(effects);
      else expect(effects).toBe(1);
      const ids = await publishedIds(record.orderId, c.outcome);
      expect(ids.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ids)).toEqual(new Set([deterministicEventId(record.eventId, c.outcome)]));
    });

    it('a crash between the effect and the publish: the redelivery publishes the same outcome, no second effect', async () => {
      // Prepare
      const record = await c.prepare();
      // Act
      // (a batch whose only record failed fails the invocation: Lambda retries it)
      const crashed = deliver(c.build(diedBeforePublishing), record);
      await expect(crashed).rejects.toThrow(/All records failed/);
      const effectsAfterCrash = await c.effects(record);
      const redelivered = await deliver(c.build(live), record);
      const again = await deliver(c.build(live), record);
      // Assess
      expect(effectsAfterCrash).toBe(1);
      expect(redelivered.batchItemFailures).toEqual([]);
      expect(again.batchItemFailures).toEqual([]);
      expect(await c.effects(record)).toBe(1);
      expect(await publishedIds(record.orderId, c.outcome)).toEqual([
        deterministicEventId(record.eventId, c.outcome),
        deterministicEventId(record.eventId, c.outcome),
      ]);
    });
  });

  describe('email (ledger claim with a 5 s lease)', () => {
    const build = (sender: RecordingEmailSender) => {
      const emails = new OrderEmailService(new DynamoDbEmailLedger(documents, 'ledger'), sender, SILENT_LOG);
      return consumer({ ORDER_COMPLETED: async (event) => void (await emails.onOrderCompleted(event)) });
    };
    const completed = () => {
      const created = anOrderCreated();
      const { shippingAddress: _, paymentToken: __, ...summary } = created.payload;
      return outcomeOf(created, 'ORDER_COMPLETED', summary);
    };

    it('the same record twice, concurrently, and again after it completed: one email', async () => {
      // Prepare
      const sender = new RecordingEmailSender();
      const handler = build(sender);
      const record = completed();
      // Act
      const responses = await Promise.all([deliver(handler, record), deliver(handler, record)]);
      const again = await deliver(handler, record);
      // Assess
      expect([...responses, again].flatMap((r) => r.batchItemFailures)).toEqual([]);
      expect(sender.sent).toHaveLength(1);
    });

    it('a sender that died holding the claim: the redelivery takes the claim over within one invocation and sends once', async () => {
      // Prepare: the dead attempt's claim, taken just now (its lease runs 5 s)
      const record = completed();
      await new DynamoDbEmailLedger(documents, 'ledger').claim(
        record.orderId,
        'ORDER_COMPLETED',
        'dead',
        Date.now(),
        5_000,
      );
      const sender = new RecordingEmailSender();
      // Act
      const started = Date.now();
      const redelivered = await deliver(build(sender), record);
      // Assess
      expect(redelivered.batchItemFailures).toEqual([]);
      expect(sender.sent).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(7_000);
    }, 20_000);
  });

  describe('projector (forward-only versioned view)', () => {
    const projector = () => new OrderProjector(new DynamoDbOrderReadModel(documents, 'orders'), SILENT_LOG);
    const viewVersion = async (orderId: string) =>
      Number((await documents.send(new GetCommand({ TableName: 'orders', Key: { orderId } }))).Item?.version ?? 0);

    it('the same record twice, concurrently, and after a crash once it was applied: applied once', async () => {
      // Prepare: a fault switch that always fails the record AFTER its handler (effect done, record failed)
      const p = projector();
      const handlers = handleAll(PROJECTED_EVENT_TYPES, async (event) => void (await p.handle(event)));
      const crashAfter = createStreamConsumer({ handlers, faults: faultInjector(0.3, { random: () => 0.15 }) });
      const handler = consumer(handlers);
      const [created, other] = [anOrderCreated(), anOrderCreated()];
      // Act
      const concurrent = await Promise.all([deliver(handler, created), deliver(handler, created)]);
      await expect(deliver(crashAfter, other)).rejects.toThrow(/All records failed/);
      const redelivered = await deliver(handler, other);
      // Assess
      expect(concurrent.flatMap((r) => r.batchItemFailures)).toEqual([]);
      expect(redelivered.batchItemFailures).toEqual([]);
      expect(await viewVersion(created.orderId)).toBe(1);
      expect(await viewVersion(other.orderId)).toBe(1);
    });
  });
});
