import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCatalog } from '../../../../lambdas/adapters/dynamodb-catalog';
import {
  cursorPathFor,
  type ImportOptions,
  importLegacyOrders,
  type LineError,
  orderIdForLegacyOrder,
} from '../../../../lambdas/ops/legacy-import';
import { OrderedPutter } from '../../../../lambdas/ops/ordered-put';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../../local/emulators';
import { createActiveStream, createTable, readEnvelopes } from '../../../helpers/emulator-resources';
import { useEmulators } from '../../../helpers/emulators';
import { RefusingKinesis } from './refusing-kinesis';

const projectDir = resolve(__dirname, '..', '..', '..', '..');
const TABLE = 'import-inventory';

/** A legacy order line: the POST /orders body plus legacyOrderId. */
function legacyOrder(n: number, sku = 'SKU-A'): Record<string, unknown> {
  return {
    legacyOrderId: `L-${n}`,
    customerId: `customer-${n % 7}`,
    email: `c${n}@example.com`,
    items: [
      { sku, quantity: 1 + (n % 3) },
      { sku: 'SKU-B', quantity: 1 },
    ],
    shippingAddress: { name: 'Jo', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    placedAt: '2024-03-01T10:00:00.000Z',
  };
}

describe('npm run import', () => {
  const fixture = useEmulators();
  let folder: string;
  let stream = 0;
  beforeAll(async () => {
    const { dynamodb } = fixture();
    await createTable(dynamodb, TABLE, [['pk', 'HASH']]);
    const catalog = new DynamoDbCatalog(DynamoDBDocumentClient.from(dynamodb), { tableName: TABLE });
    await catalog.putItem({ sku: 'SKU-A', available: 1_000_000, priceCents: 1_000 });
    await catalog.putItem({ sku: 'SKU-B', available: 1_000_000, priceCents: 250 });
  });
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'import-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  /** A fresh stream and an import bound to it (through `client` when given, to refuse entries). */
  async function anImport(wrap?: (kinesis: ReturnType<typeof fixture>['kinesis']) => RefusingKinesis) {
    const { kinesis, dynamodb } = fixture();
    const streamName = `import-${++stream}`;
    await createActiveStream(kinesis, streamName);
    const client = wrap ? wrap(kinesis) : kinesis;
    const putter = new OrderedPutter({ client, streamName, baseDelayMs: 5 });
    const errors: LineError[] = [];
    const run = (file: string, options: Partial<ImportOptions> = {}) =>
      importLegacyOrders({
        file,
        catalog: new DynamoDbCatalog(DynamoDBDocumentClient.from(dynamodb), { tableName: TABLE }),
        put: (records) => putter.put(records),
        onLineError: (error) => errors.push(error),
        ...options,
      });
    return { streamName, run, errors, onStream: () => readEnvelopes(kinesis, streamName) };
  }

  function writeLines(lines: readonly (string | Record<string, unknown>)[]): string {
    const file = join(folder, 'orders.jsonl');
    writeFileSync(
      file,
      `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`,
    );
    return file;
  }

  it('publishes each valid line once as a priced ORDER_CREATED, counts bad lines, and a second run sends nothing', async () => {
    // Prepare: 1,100 good orders with four bad lines among them; the stream refuses some entries
    const lines: (string | Record<string, unknown>)[] = Array.from({ length: 1_100 }, (_, i) => legacyOrder(i));
    lines.splice(3, 0, '{not json');
    lines.splice(10, 0, { ...legacyOrder(5_000), email: 'nope' });
    lines.splice(600, 0, legacyOrder(5_001, 'SKU-UNKNOWN'));
    lines.splice(700, 0, legacyOrder(7)); // L-7 again
    const file = writeLines(lines);
    let refusing: RefusingKinesis | undefined;
    const target = await anImport((kinesis) => {
      refusing = new RefusingKinesis(
        kinesis,
        (data, before) => before === 0 && data.includes('"c1') && data.length % 3 === 0,
      );
      return refusing;
    });

    // Act
    const first = await target.run(file);
    const second = await target.run(file);

    // Assess
    expect(first).toMatchObject({ sent: 1_100, skipped: 0, failed: 4, complete: true });
    // (an unknown SKU shows when its batch is priced, after the lines read before that)
    const errors = [...target.errors].sort((a, b) => a.line - b.line);
    expect(errors.map(({ line, message }) => [line, message.split(':')[0]])).toEqual([
      [4, 'not JSON'],
      [11, 'email'],
      [601, 'unknown SKU(s)'],
      [701, 'legacyOrderId L-7 is already on line 9'],
    ]);
    expect(second).toMatchObject({ sent: 0, skipped: 1_104, failed: 0, complete: true });
    const onStream = await target.onStream();
    expect(onStream).toHaveLength(1_100);
    expect(new Set(onStream.map((record) => record.envelope.orderId)).size).toBe(1_100);
    const l1 = onStream.find((record) => record.envelope.orderId === orderIdForLegacyOrder('L-1'))!;
    expect(l1.envelope).toMatchObject({
      eventType: 'ORDER_CREATED',
      occurredAt: '2024-03-01T10:00:00.000Z',
      payload: { totalCents: 2 * 1_000 + 250, currency: 'USD', customerId: 'customer-1' },
    });
    // full batches: the first call carried 500 records; some entries were refused and retried
    expect(refusing!.callSizes[0]).toBe(500);
    expect(refusing!.callSizes.length).toBeGreaterThan(3);
  });

  it('resumes after an interruption: every order exactly once on the stream, in file order per shard', async () => {
    // Prepare
    const file = writeLines(Array.from({ length: 1_250 }, (_, i) => legacyOrder(i)));
    const target = await anImport();

    // Act: stop after the first batch, then run again
    const interrupted = await target.run(file, { maxBatches: 1 });
    const cursor = JSON.parse(readFileSync(cursorPathFor(file), 'utf8')) as { lines: number };
    const resumed = await target.run(file);

    // Assess
    expect(interrupted).toMatchObject({ sent: 500, skipped: 0, failed: 0, complete: false });
    expect(cursor.lines).toBe(500);
    expect(resumed).toMatchObject({ sent: 750, skipped: 500, failed: 0, complete: true });
    const onStream = await target.onStream();
    const lineOf = new Map(Array.from({ length: 1_250 }, (_, i) => [orderIdForLegacyOrder(`L-${i}`), i]));
    expect(onStream.map((record) => lineOf.get(record.envelope.orderId)).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 1_250 }, (_, i) => i),
    );
    for (const shard of new Set(onStream.map((record) => record.shardId))) {
      const inShard = onStream.filter((record) => record.shardId === shard).map((r) => lineOf.get(r.envelope.orderId)!);
      expect(inShard).toEqual([...inShard].sort((a, b) => a - b));
    }
  });

  it('refuses to resume when the file changed under its cursor', async () => {
    const file = writeLines(Array.from({ length: 600 }, (_, i) => legacyOrder(i)));
    const target = await anImport();
    await target.run(file, { maxBatches: 1 });
    writeLines(Array.from({ length: 600 }, (_, i) => legacyOrder(i + 1)));
    await expect(target.run(file)).rejects.toThrow(/changed since .*orders\.jsonl\.cursor was written/);
  });

  it('runs as a command against the emulators named by the environment, printing one JSON line', async () => {
    // Prepare
    const { emulators, kinesis } = fixture();
    const streamName = `import-${++stream}`;
    await createActiveStream(kinesis, streamName);
    const file = writeLines([...Array.from({ length: 520 }, (_, i) => legacyOrder(i)), '{}']);
    const run = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'bin/import-orders.ts', file, '--json', ...args],
        {
          cwd: projectDir,
          env: {
            ...process.env,
            AWS_REGION: LOCAL_REGION,
            AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
            AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint,
            AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoDbEndpoint,
            STREAM_NAME: streamName,
            INVENTORY_TABLE: TABLE,
          },
        },
      );

    // Act
    const first = await run('--max-batches', '1');
    const second = await run();
    const third = await run();

    // Assess
    expect(JSON.parse(first.stdout)).toEqual({ sent: 500, skipped: 0, failed: 0 });
    expect(JSON.parse(second.stdout)).toEqual({ sent: 20, skipped: 500, failed: 1 });
    expect(second.stderr).toMatch(/orders\.jsonl:521: .*legacyOrderId/);
    expect(JSON.parse(third.stdout)).toEqual({ sent: 0, skipped: 521, failed: 0 });
    expect(await readEnvelopes(kinesis, streamName)).toHaveLength(520);
  }, 60_000);
});
