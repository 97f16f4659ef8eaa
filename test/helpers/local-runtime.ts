import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { type OrderstreamTable, orderstreamLocalApp, outboxDirOf } from '../../bin/local-app';
import { parseRouteKey, ROUTE_KEYS, ROUTE_TABLE } from '../../lambdas/contract/routes';
import type { LocalPrincipal } from '../../local/access/local-access';
import { localDynamoDbClient, localKinesisClient } from '../../local/clients';
import type { InvocationResult } from '../../local/esm/types';
import type { LocalFunctionDefinition } from '../../local/functions';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime';
import { signedFetch } from './signed-fetch';

/**
 * The whole local runtime (`npm start`: real synth into a temp cdk.out, kinesis-mock, DynamoDB
 * Local, bundled handlers, the ESM engine) in a fresh temp folder on free ports, plus what an
 * end-to-end test needs to look at it: every function log line, every record each consumer was
 * invoked with, SDK clients on the emulators, the table names, the outbox, and HTTP helpers.
 * The app's pieces (table roles, outbox) are `npm start`'s own (bin/local-app.ts); only the demo
 * catalogue is left out: tests set their own stock.
 */

const projectDir = resolve(__dirname, '..', '..');

/** One record as a consumer function received it. */
export interface Delivery {
  readonly service: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly orderId: string;
  /** The record's data, exactly as it is on the stream (utf-8 JSON). */
  readonly data: string;
  readonly partitionKey: string;
  /** The invocation succeeded and did not report this record in batchItemFailures. */
  readonly ok: boolean;
}

export interface TestRuntime {
  readonly runtime: LocalRuntime<OrderstreamTable>;
  readonly apiUrl: string;
  readonly dataDir: string;
  readonly outboxDir: string;
  readonly streamName: string;
  readonly tables: Readonly<Record<OrderstreamTable, string>>;
  readonly documents: DynamoDBDocumentClient;
  readonly kinesis: KinesisClient;
  /** `[service] line`, every function log line so far. */
  readonly logs: string[];
  readonly deliveries: Delivery[];
  /** The local principals (API callers and functions) by name, with their keys. */
  readonly principals: ReadonlyMap<string, LocalPrincipal>;
  stop(): Promise<void>;
}

export interface StartTestRuntimeOptions {
  /** Extra runtime options (ports, dirs and observers are set here). */
  readonly overrides?: Partial<LocalRuntimeOptions<OrderstreamTable>>;
  /** Also print function logs (ORDERSTREAM_TEST_LOGS=1 does too). */
  readonly echoLogs?: boolean;
}

export async function startTestRuntime(options: StartTestRuntimeOptions = {}): Promise<TestRuntime> {
  const work = mkdtempSync(join(tmpdir(), 'orderstream-lifecycle-'));
  const dataDir = join(work, 'data');
  const logs: string[] = [];
  const deliveries: Delivery[] = [];
  const echo = options.echoLogs === true || process.env.ORDERSTREAM_TEST_LOGS === '1';

  const onInvocation = (fn: LocalFunctionDefinition, event: unknown, result: InvocationResult): void => {
    const records = (event as Partial<KinesisStreamEvent>).Records;
    if (!Array.isArray(records)) return;
    const failed = new Set<string>();
    if (result.kind === 'success') {
      const failures =
        (result.payload as { batchItemFailures?: { itemIdentifier: string }[] } | null)?.batchItemFailures ?? [];
      for (const failure of failures) failed.add(failure.itemIdentifier);
    }
    for (const record of records) {
      const data = Buffer.from(record.kinesis.data, 'base64').toString('utf8');
      let envelope: { eventId?: string; eventType?: string; orderId?: string } = {};
      try {
        envelope = JSON.parse(data) as typeof envelope;
      } catch {
        // a poison record: keep it with empty ids
      }
      deliveries.push({
        service: fn.serviceName,
        eventId: envelope.eventId ?? '',
        eventType: envelope.eventType ?? '',
        orderId: envelope.orderId ?? '',
        data,
        partitionKey: record.kinesis.partitionKey,
        ok: result.kind === 'success' && !failed.has(record.kinesis.sequenceNumber),
      });
    }
  };

  let runtime: LocalRuntime<OrderstreamTable>;
  try {
    runtime = await startLocalRuntime({
      ...orderstreamLocalApp({ demoCatalog: false }),
      projectDir,
      dataDir,
      cdkOutDir: join(work, 'cdk.out'),
      fresh: true,
      port: 0,
      kinesisPort: 0,
      dynamoDbPort: 0,
      log: () => undefined,
      onFunctionLog: (line, fn) => {
        logs.push(`[${fn.serviceName}] ${line}`);
        if (echo) console.log(`[${fn.serviceName}] ${line}`);
      },
      onInvocation,
      ...options.overrides,
    });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }

  const stream = runtime.provisioned.streams[0];
  if (!stream) throw new Error('the template declares no stream');
  const kinesis = localKinesisClient(runtime.kinesisEndpoint);
  const dynamodb = localDynamoDbClient(runtime.dynamoDbEndpoint);
  const documents = DynamoDBDocumentClient.from(dynamodb);

  return {
    runtime,
    apiUrl: runtime.apiUrl,
    dataDir: runtime.dataDir,
    outboxDir: outboxDirOf(runtime.dataDir),
    streamName: stream.name,
    tables: runtime.tables,
    documents,
    kinesis,
    logs,
    deliveries,
    principals: new Map(runtime.access.principals.map((principal) => [principal.name, principal])),
    stop: async () => {
      try {
        await runtime.stop();
      } finally {
        kinesis.destroy();
        dynamodb.destroy();
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}

// ------------------------------------------------------------------ waiting

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined); fails after timeoutMs with the recent function logs. */
export async function waitFor<T>(
  harness: Pick<TestRuntime, 'logs'>,
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; logFilter?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const relevant = options.logFilter ? harness.logs.filter((l) => l.includes(options.logFilter!)) : harness.logs;
      throw new Error(
        `timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${what}\nrecent function logs:\n${relevant.slice(-40).join('\n')}`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

// ------------------------------------------------------------------ HTTP

export interface HttpAnswer<T = unknown> {
  readonly status: number;
  readonly contentType: string;
  readonly location: string | null;
  readonly body: T;
}

/**
 * A request to the API as its callers make them under the runtime's authorizers: signed (SigV4) as
 * `storefront` on customer routes and as `admin` on admin routes (both local principals of
 * bin/local-app.ts), unless `as` names another principal, or none (unsigned).
 */
export async function http<T = Record<string, unknown>>(
  harness: Pick<TestRuntime, 'apiUrl' | 'principals'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  as?: string | null,
): Promise<HttpAnswer<T>> {
  const signer = as === null ? undefined : (as ?? (isAdminRoute(method, path) ? 'admin' : 'storefront'));
  const response = await signedFetch(
    `${harness.apiUrl}${path}`,
    {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    },
    signer === undefined ? undefined : harness.principals.get(signer),
  );
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    location: response.headers.get('location'),
    body: parsed as T,
  };
}

/** Whether a request is for an admin route of the route table (by its method and path). */
function isAdminRoute(method: string, path: string): boolean {
  const rawPath = path.split('?')[0] ?? path;
  return ROUTE_KEYS.some((key) => {
    const route = parseRouteKey(key);
    const pattern = new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return ROUTE_TABLE[key].auth === 'admin' && route.method === method.toUpperCase() && pattern.test(rawPath);
  });
}

export interface OrderView {
  readonly orderId: string;
  readonly status: string;
  readonly customerId: string;
  readonly email: string;
  readonly items: { sku: string; quantity: number; unitPriceCents: number }[];
  readonly totalCents: number;
  readonly currency: string;
  readonly cancellationReason?: string;
  readonly history: { status: string; at: string }[];
}

export async function getOrder(
  harness: Pick<TestRuntime, 'apiUrl' | 'principals'>,
  orderId: string,
): Promise<OrderView | undefined> {
  const answer = await http<OrderView>(harness, 'GET', `/orders/${orderId}`);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200)
    throw new Error(`GET /orders/${orderId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Polls GET /orders/{id} until COMPLETED or CANCELLED. */
export async function waitForTerminal(harness: TestRuntime, orderId: string, timeoutMs = 45_000): Promise<OrderView> {
  let last: OrderView | undefined;
  return waitFor(
    harness,
    `order ${orderId} to reach COMPLETED or CANCELLED`,
    async () => {
      last = await getOrder(harness, orderId);
      return last && (last.status === 'COMPLETED' || last.status === 'CANCELLED') ? last : undefined;
    },
    { timeoutMs, logFilter: orderId },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nlast read model: ${JSON.stringify(last)}`);
  });
}

export async function putStock(
  harness: TestRuntime,
  sku: string,
  available: number,
  priceCents: number,
): Promise<void> {
  const answer = await http(harness, 'PUT', `/inventory/${sku}`, { available, priceCents });
  if (answer.status !== 200)
    throw new Error(`PUT /inventory/${sku} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
}

export async function stockOf(harness: TestRuntime, sku: string): Promise<number> {
  const answer = await http<{ available: number }>(harness, 'GET', `/inventory/${sku}`);
  if (answer.status !== 200)
    throw new Error(`GET /inventory/${sku} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.available;
}

// ------------------------------------------------------------------ state behind the API

/** Every ledger item of an order (PAYMENT#CHARGE, PAYMENT#REFUND, SHIPMENT, EMAIL#...). */
export async function ledgerEntries(harness: TestRuntime, orderId: string): Promise<Record<string, unknown>[]> {
  const { Items } = await harness.documents.send(
    new QueryCommand({
      TableName: harness.tables.ledger,
      KeyConditionExpression: 'orderId = :o',
      ExpressionAttributeValues: { ':o': orderId },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

export async function reservationOf(
  harness: TestRuntime,
  orderId: string,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await harness.documents.send(
    new GetCommand({
      TableName: harness.tables.inventory,
      Key: { pk: `RESERVATION#${orderId}` },
      ConsistentRead: true,
    }),
  );
  return Item;
}

export interface OutboxEmail {
  readonly file: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly orderId: string;
  readonly kind: string;
}

/** The emails of one order in the outbox (one JSON file per email). */
export function outboxEmails(harness: TestRuntime, orderId: string): OutboxEmail[] {
  if (!existsSync(harness.outboxDir)) return [];
  return readdirSync(harness.outboxDir)
    .filter((file) => file.startsWith(`${orderId}.`) && file.endsWith('.json'))
    .map((file) => ({
      file,
      ...(JSON.parse(readFileSync(join(harness.outboxDir, file), 'utf8')) as Omit<OutboxEmail, 'file'>),
    }));
}

/** Every object the mappings wrote to the on-failure destination (a folder locally), relative paths. */
export function failedRecordFiles(harness: TestRuntime): string[] {
  const root = join(harness.dataDir, 'failed-records');
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(root.length + 1));
}

/** The structured (Powertools JSON) log lines of a service about one order with a given message. */
export function serviceLogs(
  harness: TestRuntime,
  service: string,
  orderId: string,
  message: string,
): Record<string, unknown>[] {
  const prefix = `[${service}] `;
  const found: Record<string, unknown>[] = [];
  for (const line of harness.logs) {
    if (!line.startsWith(prefix) || !line.includes(orderId)) continue;
    const json = line.slice(line.indexOf('{'));
    try {
      const entry = JSON.parse(json) as Record<string, unknown>;
      if (entry.message === message && entry.orderId === orderId) found.push(entry);
    } catch {
      // not a structured line
    }
  }
  return found;
}
