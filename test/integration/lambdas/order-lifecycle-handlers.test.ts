import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { DynamoDbCatalog } from '../../../lambdas/adapters/dynamodb-catalog';
import { DynamoDbOrderReadModel } from '../../../lambdas/adapters/dynamodb-order-read-model';
import type { EventEnvelope } from '../../../lambdas/contract/envelope';
import type { EventPayload } from '../../../lambdas/contract/events';
import { createActiveStream, createTable, pointSdkAtEmulators } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { consumerOn } from '../../helpers/functions';
import { aLambdaContext } from '../../helpers/kinesis-events';
import { aCancelRequest, anOrderCreated } from '../../helpers/order-events';
import { createSagaTable } from '../../helpers/saga-table';

type ConsumerHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const STREAM = 'orderstream-lifecycle-test';
const SERVICES = ['saga', 'inventory', 'payment', 'shipping', 'projector', 'email'] as const;
type Service = (typeof SERVICES)[number];

/**
 * Whole order lifecycles through all six consumer functions composed as deployed
 * (createStreamConsumer + DynamoDB adapters + Kinesis publisher; no idempotency table),
 * on kinesis-mock and DynamoDB Local. A pump stands in for the event-source mappings: it
 * reads each shard in order and hands every new batch to every consumer, until the
 * stream is quiet.
 */
describe('order lifecycle through the six consumer handlers on the emulators', () => {
  const fixture = useEmulators();
  let restoreEnv: () => void = () => undefined;
  const handlers = {} as Record<Service, ConsumerHandler>;
  let outbox: string;
  let documents: DynamoDBDocumentClient;
  let inventory: DynamoDbCatalog;
  let pump: StreamPump;

  beforeAll(async () => {
    const { kinesis, dynamodb, emulators } = fixture();
    await createActiveStream(kinesis, STREAM);
    await createTable(dynamodb, 'orders', [['orderId', 'HASH']]);
    await createTable(dynamodb, 'inventory', [['pk', 'HASH']]);
    await createSagaTable(dynamodb, 'saga');
    await createTable(dynamodb, 'ledger', [
      ['orderId', 'HASH'],
      ['entry', 'RANGE'],
    ]);
    outbox = await mkdtemp(join(tmpdir(), 'orderstream-outbox-'));
    restoreEnv = pointSdkAtEmulators(emulators);
    const wiring = {
      dynamodb,
      kinesisEndpoint: emulators.kinesisEndpoint,
      streamName: STREAM,
      tables: { orders: 'orders', inventory: 'inventory', saga: 'saga', ledger: 'ledger' },
      outboxDir: outbox,
    };
    for (const service of SERVICES) handlers[service] = consumerOn(service, wiring);
    documents = DynamoDBDocumentClient.from(dynamodb);
    inventory = new DynamoDbCatalog(documents, { tableName: 'inventory' });
    pump = new StreamPump(kinesis, handlers);
  }, 120_000);

  afterAll(async () => {
    restoreEnv();
    await rm(outbox, { recursive: true, force: true });
  });

  /** An order of 2 x `sku` at 1250 and its ORDER_CREATED, with the stock set to `available`. */
  async function anOrder(available: number, overrides: Partial<EventPayload<'ORDER_CREATED'>> = {}) {
    const sku = `SKU-${Math.random().toString(36).slice(2, 8)}`;
    await inventory.putItem({ sku, available, priceCents: 1250 });
    const created = anOrderCreated({
      items: [{ sku, quantity: 2, unitPriceCents: 1250 }],
      totalCents: 2500,
      ...overrides,
    });
    return { sku, created };
  }

  const view = (orderId: string) => new DynamoDbOrderReadModel(documents, 'orders').get(orderId);
  const stock = async (sku: string) => (await inventory.getItem(sku))?.available;
  const emails = async (orderId: string) =>
    Promise.all(
      (await readdir(outbox))
        .filter((name) => name.startsWith(orderId))
        .map(async (name) => JSON.parse(await readFile(join(outbox, name), 'utf8')) as Record<string, string>),
    );
  const ledger = async (orderId: string) =>
    (
      await documents.send(
        new QueryCommand({
          TableName: 'ledger',
          KeyConditionExpression: 'orderId = :o',
          ExpressionAttributeValues: { ':o': orderId },
        }),
      )
    ).Items?.map((item) => item.entry as string).sort();

  it('completes an order: stock taken, charged, shipped, one confirmation email, full history', async () => {
    // Prepare
    const { sku, created } = await anOrder(5);
    // Act
    await pump.put([created]);
    await pump.drain();
    // Assess
    const order = await view(created.orderId);
    expect(order?.status).toBe('COMPLETED');
    expect(order?.history.map((h) => h.status)).toEqual([
      'PENDING',
      'INVENTORY_RESERVED',
      'PAYMENT_PROCESSED',
      'SHIPPED',
      'COMPLETED',
    ]);
    expect(await stock(sku)).toBe(3);
    expect(await ledger(created.orderId)).toEqual(['EMAIL#ORDER_COMPLETED', 'PAYMENT#CHARGE', 'SHIPMENT']);
    expect(await emails(created.orderId)).toEqual([
      expect.objectContaining({ to: 'ada@example.com', orderId: created.orderId, kind: 'ORDER_COMPLETED' }),
    ]);
  });

  it('cancels OUT_OF_STOCK without reserving or charging anything', async () => {
    // Prepare
    const { sku, created } = await anOrder(1);
    // Act
    await pump.put([created]);
    await pump.drain();
    // Assess
    expect(await view(created.orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' });
    expect(await stock(sku)).toBe(1);
    expect(await ledger(created.orderId)).toEqual(['EMAIL#ORDER_CANCELLED']);
    expect(await emails(created.orderId)).toEqual([expect.objectContaining({ kind: 'ORDER_CANCELLED' })]);
  });

  it('releases the stock when the payment is declined, then cancels PAYMENT_DECLINED', async () => {
    // Prepare
    const { sku, created } = await anOrder(5, { paymentToken: 'tok_chargeDeclined' });
    // Act
    await pump.put([created]);
    await pump.drain();
    // Assess
    expect(await view(created.orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_DECLINED' });
    expect(await stock(sku)).toBe(5);
    const [email] = await emails(created.orderId);
    expect(email?.body).toContain('PAYMENT_DECLINED');
  });

  it('refunds and releases when shipping fails, then cancels SHIPPING_FAILED', async () => {
    // Prepare
    const base = anOrderCreated().payload.shippingAddress;
    const { sku, created } = await anOrder(5, { shippingAddress: { ...base, country: 'AQ' } });
    // Act
    await pump.put([created]);
    await pump.drain();
    // Assess
    expect(await view(created.orderId)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'SHIPPING_FAILED' });
    expect(await stock(sku)).toBe(5);
    expect(await ledger(created.orderId)).toEqual([
      'EMAIL#ORDER_CANCELLED',
      'PAYMENT#CHARGE',
      'PAYMENT#REFUND',
      'SHIPMENT',
    ]);
  });

  it('honours a customer cancel that arrives while the reservation is in flight', async () => {
    // Prepare
    const { sku, created } = await anOrder(5);
    // Act
    await pump.put([created, aCancelRequest(created)]);
    await pump.drain();
    // Assess
    expect(await view(created.orderId)).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'CUSTOMER_REQUESTED',
    });
    expect(await stock(sku)).toBe(5);
    expect(await ledger(created.orderId)).toEqual(['EMAIL#ORDER_CANCELLED']);
  });

  it('handles the same ORDER_CREATED record put twice as one order: one reservation, one charge, one email', async () => {
    // Prepare
    const { sku, created } = await anOrder(5);
    // Act
    await pump.put([created]);
    await pump.put([created]);
    await pump.drain();
    // Assess
    expect((await view(created.orderId))?.history.map((h) => h.status)).toEqual([
      'PENDING',
      'INVENTORY_RESERVED',
      'PAYMENT_PROCESSED',
      'SHIPPED',
      'COMPLETED',
    ]);
    expect(await stock(sku)).toBe(3);
    expect(await ledger(created.orderId)).toEqual(['EMAIL#ORDER_COMPLETED', 'PAYMENT#CHARGE', 'SHIPMENT']);
    expect(await emails(created.orderId)).toHaveLength(1);
  });

  it('refunds and releases when a customer cancel arrives while the payment is in flight', async () => {
    // Prepare: ORDER_CREATED, RESERVE_INVENTORY, INVENTORY_RESERVED delivered; PROCESS_PAYMENT on the stream
    const { sku, created } = await anOrder(5);
    await pump.put([created]);
    await pump.rounds(3);
    expect((await view(created.orderId))?.status).toBe('INVENTORY_RESERVED');
    // Act
    await pump.put([aCancelRequest(created)]);
    await pump.drain();
    // Assess
    const order = await view(created.orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUESTED' });
    expect(order?.history.map((h) => h.status)).toEqual([
      'PENDING',
      'INVENTORY_RESERVED',
      'PAYMENT_PROCESSED',
      'CANCELLED',
    ]);
    expect(await stock(sku)).toBe(5);
    expect(await ledger(created.orderId)).toEqual(['EMAIL#ORDER_CANCELLED', 'PAYMENT#CHARGE', 'PAYMENT#REFUND']);
  });

  it('ignores a customer cancel once the order has completed: no compensation, no second email', async () => {
    // Prepare
    const { sku, created } = await anOrder(5);
    await pump.put([created]);
    await pump.drain();
    // Act
    await pump.put([aCancelRequest(created)]);
    await pump.drain();
    // Assess
    expect((await view(created.orderId))?.status).toBe('COMPLETED');
    expect(await stock(sku)).toBe(3);
    expect(await ledger(created.orderId)).toEqual(['EMAIL#ORDER_COMPLETED', 'PAYMENT#CHARGE', 'SHIPMENT']);
    expect(await emails(created.orderId)).toHaveLength(1);
  });

  it('sells exactly the stock when many orders compete for it; the rest are cancelled OUT_OF_STOCK', async () => {
    // Prepare
    const { sku, created: first } = await anOrder(5);
    const orders = [
      first,
      ...Array.from({ length: 5 }, () => anOrderCreated({ items: first.payload.items, totalCents: 2500 })),
    ];
    // Act
    await pump.put(orders);
    await pump.drain();
    // Assess
    const statuses = await Promise.all(orders.map(async (o) => (await view(o.orderId))?.status));
    expect(statuses.filter((s) => s === 'COMPLETED')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'CANCELLED')).toHaveLength(4);
    expect(await stock(sku)).toBe(1);
  });
});

/** Reads every shard in order from where it left off and feeds new batches to every consumer. */
class StreamPump {
  private readonly positions = new Map<string, string>();

  public constructor(
    private readonly kinesis: KinesisClient,
    private readonly handlers: Record<Service, ConsumerHandler>,
  ) {}

  public async put(events: EventEnvelope[]): Promise<void> {
    const { FailedRecordCount } = await this.kinesis.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: events.map((e) => ({ PartitionKey: e.orderId, Data: Buffer.from(JSON.stringify(e)) })),
      }),
    );
    if (FailedRecordCount) throw new Error(`${FailedRecordCount} records not put`);
  }

  /** Delivers until a full pass over the shards finds nothing new. */
  public async drain(maxRounds = 40): Promise<void> {
    if ((await this.rounds(maxRounds)) === maxRounds) throw new Error('stream did not go quiet');
  }

  /** Runs up to `count` passes (each delivers what is new on every shard); returns how many delivered something. */
  public async rounds(count: number): Promise<number> {
    for (let round = 0; round < count; round++) {
      let delivered = 0;
      const shards = (await this.kinesis.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
      for (const shard of shards) {
        const records = await this.newRecords(shard.ShardId!);
        if (records.length === 0) continue;
        delivered += records.length;
        for (const service of SERVICES) {
          const response = await this.handlers[service]({ Records: records }, aLambdaContext(`orderstream-${service}`));
          if (response.batchItemFailures.length > 0) {
            throw new Error(`${service} failed records ${JSON.stringify(response.batchItemFailures)}`);
          }
        }
      }
      if (delivered === 0) return round;
    }
    return count;
  }

  private async newRecords(shardId: string): Promise<KinesisStreamRecord[]> {
    const after = this.positions.get(shardId);
    const { ShardIterator } = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: STREAM,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    const { Records = [] } = await this.kinesis.send(new GetRecordsCommand({ ShardIterator }));
    const last = Records.at(-1);
    if (last) this.positions.set(shardId, last.SequenceNumber!);
    return Records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey!,
        sequenceNumber: record.SequenceNumber!,
        data: Buffer.from(record.Data!).toString('base64'),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${record.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM}`,
    }));
  }
}
