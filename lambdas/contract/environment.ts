/**
 * The functions' environment, named once: the stack (lib/) sets these variables and the handlers
 * (lambdas/) read them through lambdas/runtime/config.ts, both from this table.
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

/** Every other variable the functions read. */
export const ENV = {
  /** The stream a publishing function puts to. */
  streamName: 'STREAM_NAME',
  /** The publisher's deadline in ms (positive integer); unset = the function kind's default. */
  publishDeadlineMs: 'PUBLISH_DEADLINE_MS',
  /** SES From address: set = the email function sends through SES. */
  emailSender: 'EMAIL_SENDER',
  /** Local only: the email function writes one JSON file per email here instead of calling SES. */
  emailOutboxDir: 'EMAIL_OUTBOX_DIR',
  sagaStepTimeoutSeconds: 'SAGA_STEP_TIMEOUT_SECONDS',
  sagaMaxRedrives: 'SAGA_MAX_REDRIVES',
  /** Local only: share of records the consumers fail on purpose (soak tests). */
  faultRate: 'ORDERSTREAM_FAULT_RATE',
  /** Records of one batch a consumer handles at once. */
  consumerConcurrency: 'ORDERSTREAM_CONSUMER_CONCURRENCY',
} as const;
