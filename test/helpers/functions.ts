import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDbCatalog } from '../../lambdas/adapters/dynamodb-catalog';
import { CoalescingItemReader } from '../../lambdas/adapters/dynamodb-coalescing-item-reader';
import { DynamoDbEmailLedger } from '../../lambdas/adapters/dynamodb-email-ledger';
import { DynamoDbOrderReadModel } from '../../lambdas/adapters/dynamodb-order-read-model';
import { DynamoDbOutcomeLedger } from '../../lambdas/adapters/dynamodb-outcome-ledger';
import { DynamoDbReservations } from '../../lambdas/adapters/dynamodb-reservations';
import { DynamoDbSagaRepository } from '../../lambdas/adapters/dynamodb-saga-repository';
import { consumerEventPublisherFromEnv, eventPublisherFromEnv } from '../../lambdas/adapters/kinesis-event-publisher';
import { OutboxEmailSender } from '../../lambdas/adapters/outbox-email-sender';
import { SimulatedPaymentGateway } from '../../lambdas/adapters/simulated-payment-gateway';
import { SimulatedShippingProvider } from '../../lambdas/adapters/simulated-shipping-provider';
import { type ApiHandler, createApiHandler } from '../../lambdas/api/function';
import { powertoolsIdempotency } from '../../lambdas/api/idempotency';
import { DEFAULT_SAGA_DEADLINE_POLICY } from '../../lambdas/domain/order-saga';
import { createEmailConsumer } from '../../lambdas/email/consumer';
import { createInventoryConsumer } from '../../lambdas/inventory/consumer';
import { createPaymentConsumer } from '../../lambdas/payment/consumer';
import { createProjectorConsumer } from '../../lambdas/projector/consumer';
import { createKinesisClient, documentClientOf } from '../../lambdas/runtime/aws-clients';
import { logger, metrics, tracer } from '../../lambdas/runtime/powertools';
import type { StreamConsumerHandler } from '../../lambdas/runtime/stream-consumer';
import { createSagaConsumer } from '../../lambdas/saga/consumer';
import { createShippingConsumer } from '../../lambdas/shipping/consumer';

/**
 * The functions composed as their handler.ts composes them (same adapters, same publishers, the
 * stream consumer's settings from the environment), but on the clients and names a test gives:
 * no module registry games, several configurations side by side in one test file.
 */
export interface FunctionWiring {
  readonly dynamodb: DynamoDBClient;
  /** The Kinesis endpoint the functions put to. */
  readonly kinesisEndpoint: string;
  readonly streamName: string;
  /** Physical table names, by the table the function uses. */
  readonly tables: Partial<Record<'orders' | 'inventory' | 'saga' | 'ledger' | 'idempotency', string>>;
  /** Where the email consumer writes (the local runtime's outbox sender). */
  readonly outboxDir?: string;
  /** The functions' PUBLISH_DEADLINE_MS. @default each publisher's default */
  readonly publishDeadlineMs?: number;
  /** Called with the functions' Kinesis client before use (e.g. to count calls). */
  readonly onKinesisClient?: (client: KinesisClient) => void;
}

export type ConsumerName = 'saga' | 'inventory' | 'payment' | 'shipping' | 'projector' | 'email';

/** One consumer function composed on `wiring`. */
export function consumerOn(name: ConsumerName, wiring: FunctionWiring): StreamConsumerHandler {
  const documents = documentClientOf(wiring.dynamodb);
  const table = (key: keyof FunctionWiring['tables']) => {
    const physical = wiring.tables[key];
    if (!physical) throw new Error(`the ${name} consumer needs tables.${key}`);
    return physical;
  };
  const publisher = () => consumerEventPublisherFromEnv(publisherEnvironment(wiring));
  const reader = new CoalescingItemReader(documents);
  switch (name) {
    case 'saga':
      return createSagaConsumer({
        repository: new DynamoDbSagaRepository(documents, table('saga'), reader),
        publisher: publisher(),
        log: logger,
        metrics,
        deadlinePolicy: DEFAULT_SAGA_DEADLINE_POLICY,
      });
    case 'inventory':
      return createInventoryConsumer({
        store: new DynamoDbReservations(documents, { tableName: table('inventory') }),
        publisher: publisher(),
        log: logger,
      });
    case 'payment':
      return createPaymentConsumer({
        gateway: new SimulatedPaymentGateway(),
        ledger: new DynamoDbOutcomeLedger(documents, table('ledger'), reader),
        publisher: publisher(),
        log: logger,
      });
    case 'shipping':
      return createShippingConsumer({
        carrier: new SimulatedShippingProvider(),
        ledger: new DynamoDbOutcomeLedger(documents, table('ledger'), reader),
        publisher: publisher(),
        log: logger,
      });
    case 'projector':
      return createProjectorConsumer({
        readModel: new DynamoDbOrderReadModel(documents, table('orders'), reader),
        log: logger,
      });
    case 'email': {
      if (!wiring.outboxDir) throw new Error('the email consumer needs outboxDir');
      return createEmailConsumer({
        ledger: new DynamoDbEmailLedger(documents, table('ledger')),
        sender: new OutboxEmailSender(wiring.outboxDir),
        log: logger,
      });
    }
  }
}

/** The API function composed on `wiring` (Powertools idempotency on tables.idempotency). */
export function apiHandlerOn(wiring: FunctionWiring): ApiHandler {
  const documents = documentClientOf(wiring.dynamodb);
  const { inventory, orders, idempotency } = wiring.tables;
  if (!inventory || !orders || !idempotency) throw new Error('the API needs tables.inventory, orders and idempotency');
  return createApiHandler({
    catalog: new DynamoDbCatalog(documents, { tableName: inventory }),
    orders: new DynamoDbOrderReadModel(documents, orders),
    publisher: eventPublisherFromEnv(publisherEnvironment(wiring)),
    idempotency: powertoolsIdempotency({ tableName: idempotency, client: wiring.dynamodb }),
    logger,
    tracer,
  });
}

function publisherEnvironment(wiring: FunctionWiring) {
  const client = createKinesisClient(wiring.kinesisEndpoint);
  wiring.onKinesisClient?.(client);
  return {
    client,
    env: {
      STREAM_NAME: wiring.streamName,
      ...(wiring.publishDeadlineMs === undefined ? {} : { PUBLISH_DEADLINE_MS: String(wiring.publishDeadlineMs) }),
    },
  };
}
