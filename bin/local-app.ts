import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { readFailedRecords } from '../lambdas/ops/failed-records';
import { OrderedPutter } from '../lambdas/ops/ordered-put';
import { stackNameForStage } from '../lib/app-config';
import type { ApiPrincipalSpec, LocalPrincipal } from '../local/access/local-access';
import type { RecordDescription } from '../local/console/model';
import type { ConsoleReplayResult } from '../local/console/server';
import type { BannerHintInfo, ConsoleReplayRequest, LocalAppOptions, LocalConsoleOptions } from '../local/runtime';

/**
 * orderstream's pieces for the local runtime (local/ knows nothing about this app): names for
 * its tables, the email outbox, the demo catalogue loaded on a fresh start and the banner's
 * sample requests. `npm start` (bin/local.ts) and the tests' runtime (test/helpers/local-runtime.ts)
 * both use it, so they cannot drift apart.
 */

export type OrderstreamTable = 'orders' | 'inventory' | 'saga' | 'ledger';

/** Tables by the start of their logical id in the stack (lib/). */
export const TABLE_ROLES: Readonly<Record<OrderstreamTable, string>> = {
  orders: 'Orders',
  inventory: 'Inventory',
  saga: 'Saga',
  ledger: 'Ledger',
};

/** The email service writes one JSON file per email here instead of calling SES (EMAIL_OUTBOX_DIR). */
export const outboxDirOf = (dataDir: string): string => join(dataDir, 'outbox');

/**
 * The demo catalog loaded into the inventory table on a fresh start, so a first `POST /orders`
 * works. Item shape of the inventory adapter: `{ pk: "SKU#<sku>", sku, available, priceCents }`.
 */
export const DEMO_CATALOG: ReadonlyArray<{ sku: string; available: number; priceCents: number }> = [
  { sku: 'SKU-COFFEE', available: 100, priceCents: 1250 },
  { sku: 'SKU-MUG', available: 50, priceCents: 899 },
  { sku: 'SKU-GRINDER', available: 10, priceCents: 4999 },
  { sku: 'SKU-FILTERS', available: 500, priceCents: 399 },
  { sku: 'SKU-LIMITED', available: 1, priceCents: 19900 },
];

/** A valid POST /orders body for the demo catalog. */
export const DEMO_ORDER = {
  customerId: 'c-1',
  email: 'ada@example.com',
  items: [{ sku: 'SKU-COFFEE', quantity: 2 }],
  shippingAddress: {
    name: 'Ada Lovelace',
    line1: '1 Analytical St',
    city: 'London',
    postalCode: 'N1 1AA',
    country: 'GB',
  },
};

export async function loadDemoCatalog(dynamodb: DynamoDBClient, inventoryTable: string): Promise<void> {
  const now = new Date().toISOString();
  for (const item of DEMO_CATALOG) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: inventoryTable,
        Item: {
          pk: { S: `SKU#${item.sku}` },
          sku: { S: item.sku },
          available: { N: String(item.available) },
          priceCents: { N: String(item.priceCents) },
          updatedAt: { S: now },
        },
      }),
    );
  }
}

/** A record of the stream as the console shows it: the envelope's orderId, eventType and eventId. */
export function describeOrderRecord(record: { partitionKey: string; data: Buffer }): RecordDescription {
  try {
    const envelope = JSON.parse(record.data.toString('utf8')) as {
      orderId?: unknown;
      eventType?: unknown;
      eventId?: unknown;
    };
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    return {
      key: text(envelope.orderId) ?? record.partitionKey,
      type: text(envelope.eventType),
      id: text(envelope.eventId),
    };
  } catch {
    // a poison record: known by its partition key (the orderId when the publisher put it)
    return { key: record.partitionKey, type: '(not JSON)' };
  }
}

/**
 * The console's Replay button: exactly `npm run replay -- --from <folder> --stream <stream>`
 * (bin/replay-failed-records.ts): the same reader and the same ordered putter.
 */
export async function replayFailedRecords(request: ConsoleReplayRequest): Promise<ConsoleReplayResult> {
  const records = existsSync(request.folder) ? readFailedRecords(request.folder) : [];
  const result =
    records.length === 0
      ? { put: [], notPut: [] }
      : await new OrderedPutter({ client: request.kinesis, streamName: request.streamName }).put(records);
  return {
    found: records.length,
    put: result.put.length,
    notPut: result.notPut.map(({ record, errorCode, errorMessage }) => ({
      record: `${record.shardId}:${record.sequenceNumber} key=${record.partitionKey}`,
      errorCode,
      errorMessage,
    })),
    streamName: request.streamName,
  };
}

/**
 * The local callers of the API's AWS_IAM routes, with fixed keys (documented in docs/access.md; they
 * open nothing but the local runtime). Each holds one managed policy the stack derives from the route table.
 */
export const LOCAL_API_PRINCIPALS: readonly ApiPrincipalSpec[] = [
  {
    name: 'storefront',
    description: 'a storefront backend: the customer routes (CustomerRoutesInvokePolicy, IAM mode)',
    accessKeyId: 'AKIASTOREFRONTLOCAL1',
    secretAccessKey: 'storefront-local-secret-not-for-aws',
    managedPolicy: 'CustomerRoutesInvokePolicy',
  },
  {
    name: 'admin',
    description: 'an operator: the admin routes (AdminRoutesInvokePolicy)',
    accessKeyId: 'AKIAADMINLOCAL000001',
    secretAccessKey: 'admin-local-secret-not-for-aws',
    managedPolicy: 'AdminRoutesInvokePolicy',
  },
];

/** The audience of the local JWT issuer's tokens (`npm start -- --context apiAuth=JWT`). */
export const LOCAL_JWT_AUDIENCE = 'orderstream-local';

/**
 * With `--context apiAuth=JWT` and no issuer of its own, the local runtime is the issuer: its API URL,
 * which the stack accepts as a loopback issuer at stage local only.
 */
export function localJwtContext(
  given: Readonly<Record<string, string>>,
  { apiUrl }: { readonly apiUrl: string },
): Record<string, string> {
  if (given.apiAuth?.toUpperCase() !== 'JWT' || given.jwtIssuer) return {};
  return { jwtIssuer: apiUrl, jwtAudience: LOCAL_JWT_AUDIENCE };
}

/** The banner's sample requests, signed as the API expects them. */
export function bannerHints(info: BannerHintInfo<OrderstreamTable>): string[] {
  const { apiUrl, tables } = info;
  const storefront = info.principals.get('storefront');
  const admin = info.principals.get('admin');
  const signedAs = (principal: LocalPrincipal | undefined): string =>
    info.authorizers && principal
      ? `--aws-sigv4 "aws:amz:us-east-1:execute-api" --user ${principal.accessKeyId}:${principal.secretAccessKey} `
      : '';
  const customer = info.localJwt && info.authorizers ? '-H "authorization: Bearer $TOKEN" ' : signedAs(storefront);
  return [
    ...(info.localJwt && info.authorizers ? ['TOKEN=$(npm run -s token -- --sub c-1 | tail -1)'] : []),
    `curl -s ${customer}${apiUrl}/inventory/SKU-COFFEE`,
    `curl -s ${customer}-X POST ${apiUrl}/orders -H 'content-type: application/json' \\`,
    `     -d '${JSON.stringify(DEMO_ORDER)}'`,
    `curl -s ${customer}${apiUrl}/orders/<orderId>    (read model in table ${tables.orders})`,
    `curl -s ${signedAs(admin)}-X POST ${apiUrl}/inventory/SKU-COFFEE/adjustments -H 'content-type: application/json' -d '{"delta":5}'`,
  ];
}

/** orderstream's additions to the local console (/_console). */
export const ORDERSTREAM_CONSOLE: LocalConsoleOptions<OrderstreamTable> = {
  countBy: { title: 'Orders by status', tableRole: 'orders', attribute: 'status' },
  describeRecord: describeOrderRecord,
  keyLabel: 'orderId',
  // the API and the consumers annotate their subsegments with it (X-Ray: annotation.orderId = "…")
  traceAnnotation: 'orderId',
  replay: replayFailedRecords,
};

export interface OrderstreamLocalAppProps {
  /** Load DEMO_CATALOG when the data is new (tests set their own stock instead). @default true */
  readonly demoCatalog?: boolean;
}

/** The options `startLocalRuntime` needs for orderstream. */
export function orderstreamLocalApp(props: OrderstreamLocalAppProps = {}): LocalAppOptions<OrderstreamTable> {
  return {
    stackNameFor: stackNameForStage,
    tableRoles: TABLE_ROLES,
    console: ORDERSTREAM_CONSOLE,
    functionEnvironment: (fn, dataDir): Record<string, string> =>
      fn.serviceName === 'email' ? { EMAIL_OUTBOX_DIR: outboxDirOf(dataDir) } : {},
    onFreshStart:
      props.demoCatalog === false
        ? undefined
        : async ({ dynamodb, tables }) => {
            await loadDemoCatalog(dynamodb, tables.inventory);
            return 'demo catalog loaded';
          },
    apiPrincipals: LOCAL_API_PRINCIPALS,
    synthContextFor: localJwtContext,
    bannerHints,
  };
}
