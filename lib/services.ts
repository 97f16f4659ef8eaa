/**
 * The one table that says what each orderstream service may touch. The stack turns every row into
 * a function (and, for consumers, a stream consumer + mapping) and grants exactly these accesses:
 * the DynamoDB actions each service's code performs, table by table (and index by index), nothing
 * more. test/unit/lib/least-privilege.test.ts derives those actions from each handler's code and
 * fails when a row here (or the template) grants more or less; README's permissions table is
 * rendered from these rows (lib/permissions-doc.ts, `npm run docs:permissions`).
 * Environment variables follow lambdas/contract/environment.ts: a function gets the name variable of
 * every table it may use, and STREAM_NAME when it publishes.
 */
import { SAGA_DEADLINE_INDEX } from '../lambdas/adapters/saga-deadline-index';

export { TABLE_ENV, type TableKey } from '../lambdas/contract/environment';

import type { TableKey } from '../lambdas/contract/environment';

/**
 * DynamoDB IAM actions the code may need (without the `dynamodb:` prefix). TransactWriteItems has
 * no IAM action of its own: it is authorized item by item (PutItem, UpdateItem, DeleteItem,
 * ConditionCheckItem).
 */
export type DynamoDbAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'ConditionCheckItem'
  | 'BatchWriteItem'
  | 'Query'
  | 'Scan';

/** What one service does on one table (or one of its indexes). */
export interface TableAccess {
  readonly table: TableKey;
  /**
   * The index the actions target (the grant's resource is the index ARN, not the table's).
   * @default - the table itself
   */
  readonly index?: string;
  /** The actions the service's code performs there, exactly. */
  readonly actions: readonly DynamoDbAction[];
  /**
   * Only items whose partition key starts with this prefix (a `dynamodb:LeadingKeys` condition).
   * @default - every item of the table
   */
  readonly leadingKeyPrefix?: string;
}

export interface ServiceDefinition {
  /** Service name: entry `lambdas/<name>/handler.ts`, POWERTOOLS_SERVICE_NAME, consumer name `<name>-consumer`. */
  readonly name: string;
  /** One line on what the service does (function description). */
  readonly description: string;
  /** The DynamoDB actions the service performs, per table or index (its role gets exactly these). */
  readonly tables: readonly TableAccess[];
  /** Whether it puts records on the stream (PutRecord/PutRecords + kms:GenerateDataKey, STREAM_NAME). */
  readonly publishes: boolean;
  /** Whether it may send email through SES (only granted when an email sender is configured). */
  readonly sendsEmail: boolean;
}

/** Tables a service uses (each once, in declaration order): it gets their name variables. */
export function tablesOf(service: ServiceDefinition): TableKey[] {
  return [...new Set(service.tables.map((access) => access.table))];
}

/**
 * Key prefix of the API's Powertools idempotency records (`keyPrefix` in lambdas/api/idempotency.ts;
 * Powertools writes `id = <prefix>#<hash>`). The API's role may only touch items under it.
 */
export const API_IDEMPOTENCY_KEY_PREFIX = 'api#POST/orders#';

/**
 * A consumer's reads of its own items: strongly consistent, batched across the concurrent records
 * of a batch (BatchGetItem, adapters/dynamodb-coalescing-item-reader.ts); GetItem stays because the
 * adapters' one-at-a-time default reader is in the same code (the same items either way).
 */
const CONSUMER_READS: readonly DynamoDbAction[] = ['GetItem', 'BatchGetItem'];

/** Versioned one-item-per-order state (VersionedOrderItems) in a consumer: consistent reads, conditional put. */
const VERSIONED_ITEMS: readonly DynamoDbAction[] = [...CONSUMER_READS, 'PutItem'];

/** The API function: validates requests, publishes commands, answers GETs from the read model. */
export const API_SERVICE: ServiceDefinition = {
  name: 'api',
  description: 'HTTP API: validates requests, publishes ORDER_CREATED / cancel commands, serves reads',
  tables: [
    // GET /orders/{id}: one item by key; never a Scan or Query of every order.
    { table: 'orders', actions: ['GetItem'] },
    // Catalogue reads (item, prices) and the conditional admin writes of PUT/PATCH /inventory/{sku}.
    { table: 'inventory', actions: ['GetItem', 'BatchGetItem', 'UpdateItem'] },
    // Powertools idempotency (DynamoDBPersistenceLayer), confined to the API's own records.
    {
      table: 'idempotency',
      actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
      leadingKeyPrefix: API_IDEMPOTENCY_KEY_PREFIX,
    },
  ],
  publishes: true,
  sendsEmail: false,
};

/**
 * The six stream consumers. None gets the idempotency table (the API's): each consumer's
 * exactly-once guard is its own state (saga journal, reservation items, ledgers, versioned view).
 */
export const CONSUMER_SERVICES: readonly ServiceDefinition[] = [
  {
    name: 'saga',
    description: 'Saga orchestrator: one state machine per order, emits the next command or compensations',
    tables: [{ table: 'saga', actions: VERSIONED_ITEMS }],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'inventory',
    description: 'Reserves and releases stock',
    // Reserve/release are TransactWriteItems of Put + Update items; decisions are read back by key.
    tables: [{ table: 'inventory', actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'] }],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'payment',
    description: 'Charges and refunds payments (ledgered)',
    tables: [{ table: 'ledger', actions: [...CONSUMER_READS, 'PutItem'] }],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'shipping',
    description: 'Ships orders (ledgered)',
    tables: [{ table: 'ledger', actions: [...CONSUMER_READS, 'PutItem'] }],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'email',
    description: 'Sends customer emails exactly once (ledgered)',
    tables: [{ table: 'ledger', actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] }],
    publishes: false,
    sendsEmail: true,
  },
  {
    name: 'projector',
    description: 'Projects events into the orders read model',
    tables: [{ table: 'orders', actions: VERSIONED_ITEMS }],
    publishes: false,
    sendsEmail: false,
  },
];

/**
 * The saga deadline sweeper (scheduled): queries the saga table's deadline index and puts
 * SAGA_STEP_TIMED_OUT for each saga past its deadline on the stream (with the order's trace id,
 * read from the saga items); writes no table.
 */
export const SWEEPER_SERVICE: ServiceDefinition = {
  name: 'sweeper',
  description: 'Saga deadline sweeper: reports sagas past their step deadline (SAGA_STEP_TIMED_OUT)',
  tables: [
    { table: 'saga', index: SAGA_DEADLINE_INDEX.name, actions: ['Query'] },
    // the due sagas' trace ids (DynamoDbSagaDeadlines.withTraceIds)
    { table: 'saga', actions: ['BatchGetItem'] },
  ],
  publishes: true,
  sendsEmail: false,
};

/** Every function's service, API first (the order of README's permissions table). */
export const ALL_SERVICES: readonly ServiceDefinition[] = [API_SERVICE, ...CONSUMER_SERVICES, SWEEPER_SERVICE];

/**
 * The non-DynamoDB grants, shared by the constructs that attach them and the README's permissions
 * table (lib/permissions-doc.ts), so the two cannot drift.
 */
export const OTHER_GRANTS = {
  /** Publishers, on the stream. */
  publish: ['kinesis:PutRecord', 'kinesis:PutRecords'],
  /** Consumers, on their own enhanced fan-out consumer. */
  ownConsumer: ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'],
  /** Consumers, on the stream (what the Lambda guide lists for a mapping). */
  streamRead: [
    'kinesis:DescribeStream',
    'kinesis:DescribeStreamSummary',
    'kinesis:ListShards',
    'kinesis:GetRecords',
    'kinesis:GetShardIterator',
  ],
  /** Publishers, on the customer-managed stream key, only via Kinesis (kms:ViaService). */
  encrypt: ['kms:GenerateDataKey'],
  /** Consumers, on the customer-managed stream key, only via Kinesis (kms:ViaService). */
  decrypt: ['kms:Decrypt'],
  /** Consumers' mappings, on the failed-records bucket's objects under {@link FAILED_RECORDS_PREFIX}. */
  failedRecordsPut: ['s3:PutObject'],
  /** Consumers' mappings, on the failed-records bucket. */
  failedRecordsList: ['s3:ListBucket'],
  /** Services that send email, on identity/* with ses:FromAddress = the configured sender. */
  sendEmail: ['ses:SendEmail'],
} as const;

/** Where Lambda writes a mapping's failed batches: aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/... */
export const FAILED_RECORDS_PREFIX = 'aws/lambda/';
