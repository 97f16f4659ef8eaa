/**
 * The one table that says what each orderstream service may touch. The stack turns every row into
 * a function (and, for consumers, a stream consumer + mapping) and grants exactly these accesses.
 * Environment variables follow the contract in the README: a function gets the name variable of
 * every table it may use, and STREAM_NAME when it publishes.
 */

/** Logical table keys; each maps to one DynamoDB table and one environment variable. */
export type TableKey = 'orders' | 'inventory' | 'saga' | 'ledger' | 'idempotency';

/** Environment variable carrying each table's name. */
export const TABLE_ENV: Readonly<Record<TableKey, string>> = {
  orders: 'ORDERS_TABLE',
  inventory: 'INVENTORY_TABLE',
  saga: 'SAGA_TABLE',
  ledger: 'LEDGER_TABLE',
  idempotency: 'IDEMPOTENCY_TABLE',
};

export interface ServiceDefinition {
  /** Service name: entry `lambdas/<name>/handler.ts`, POWERTOOLS_SERVICE_NAME, consumer name `<name>-consumer`. */
  readonly name: string;
  /** One line on what the service does (function description). */
  readonly description: string;
  /** Tables the service only reads. */
  readonly reads: readonly TableKey[];
  /** Tables the service reads and writes. */
  readonly readWrites: readonly TableKey[];
  /** Whether it puts records on the stream (PutRecord/PutRecords + kms:GenerateDataKey, STREAM_NAME). */
  readonly publishes: boolean;
  /** Whether it may send email through SES (only granted when an email sender is configured). */
  readonly sendsEmail: boolean;
}

/** The API function: validates requests, publishes commands, answers GETs from the read model. */
export const API_SERVICE: ServiceDefinition = {
  name: 'api',
  description: 'HTTP API: validates requests, publishes ORDER_CREATED / cancel commands, serves reads',
  reads: ['orders'],
  readWrites: ['inventory', 'idempotency'],
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
    reads: [],
    readWrites: ['saga'],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'inventory',
    description: 'Reserves and releases stock',
    reads: [],
    readWrites: ['inventory'],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'payment',
    description: 'Charges and refunds payments (ledgered)',
    reads: [],
    readWrites: ['ledger'],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'shipping',
    description: 'Ships orders (ledgered)',
    reads: [],
    readWrites: ['ledger'],
    publishes: true,
    sendsEmail: false,
  },
  {
    name: 'email',
    description: 'Sends customer emails exactly once (ledgered)',
    reads: [],
    readWrites: ['ledger'],
    publishes: false,
    sendsEmail: true,
  },
  {
    name: 'projector',
    description: 'Projects events into the orders read model',
    reads: [],
    readWrites: ['orders'],
    publishes: false,
    sendsEmail: false,
  },
];

/**
 * The saga deadline sweeper (scheduled): reads the saga table's deadline index and puts
 * SAGA_STEP_TIMED_OUT for each saga past its deadline on the stream; writes no table.
 */
export const SWEEPER_SERVICE: ServiceDefinition = {
  name: 'sweeper',
  description: 'Saga deadline sweeper: reports sagas past their step deadline (SAGA_STEP_TIMED_OUT)',
  reads: ['saga'],
  readWrites: [],
  publishes: true,
  sendsEmail: false,
};
