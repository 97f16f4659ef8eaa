#!/usr/bin/env node
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
/**
 * Imports legacy orders, one JSON object a line (the POST /orders body plus `legacyOrderId`):
 *
 *   npm run import -- orders.jsonl [--stream NAME] [--table NAME] [--json] [--max-batches N]
 *
 * Each valid line becomes the order's ORDER_CREATED (priced from the catalogue, orderId derived
 * from legacyOrderId), put with PutRecords in batches of up to 500 records, each order's record
 * in order whatever fails. Resumable: a cursor `orders.jsonl.cursor` beside the file is written
 * after each batch; run the same command again after an interruption (Ctrl-C stops cleanly
 * after the batch in flight). Stream and table: --stream / --table, else STREAM_NAME /
 * INVENTORY_TABLE. Endpoints as for any SDK client: AWS_ENDPOINT_URL_KINESIS and
 * AWS_ENDPOINT_URL_DYNAMODB point it at the local runtime; without them it talks to AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDbCatalog } from '../lambdas/adapters/dynamodb-catalog';
import { cursorPathFor, type ImportProgress, importLegacyOrders } from '../lambdas/ops/legacy-import';
import { OrderedPutter } from '../lambdas/ops/ordered-put';

// Node 20 is what this machine runs (README): the SDK's "2027 releases need Node 22" notice is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE =
  'usage: npm run import -- FILE.jsonl [--stream NAME (or STREAM_NAME)] [--table NAME (or INVENTORY_TABLE)] ' +
  '[--json] [--max-batches N]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      stream: { type: 'string' },
      table: { type: 'string' },
      json: { type: 'boolean', default: false },
      'max-batches': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const streamName = values.stream ?? process.env.STREAM_NAME;
  const tableName = values.table ?? process.env.INVENTORY_TABLE;
  const maxBatches = values['max-batches'] === undefined ? undefined : Number(values['max-batches']);
  if (values.help || positionals.length !== 1 || !streamName || !tableName) {
    console.error(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (maxBatches !== undefined && !(Number.isInteger(maxBatches) && maxBatches > 0)) {
    console.error(`--max-batches must be a positive integer\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const file = positionals[0]!;
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const dynamodb = new DynamoDBClient({ requestHandler: new NodeHttpHandler() });
  const bar = process.stderr.isTTY && !values.json ? new ProgressBar(await countLines(file)) : undefined;
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('\nstopping after the batch in flight (Ctrl-C again to stop at once)');
  });

  try {
    const putter = new OrderedPutter({ client: kinesis, streamName });
    const result = await importLegacyOrders({
      file,
      catalog: new DynamoDbCatalog(DynamoDBDocumentClient.from(dynamodb), { tableName }),
      put: (records) => putter.put(records),
      ...(maxBatches !== undefined ? { maxBatches } : {}),
      shouldStop: () => interrupted,
      onLineError: ({ line, message }) => {
        bar?.clear();
        console.error(`${file}:${line}: ${message}`);
      },
      onProgress: (progress) => bar?.draw(progress),
    });
    bar?.clear();
    for (const { record, errorCode, errorMessage } of result.notPut) {
      console.error(`${file}:${record.line}: NOT SENT: ${errorCode}: ${errorMessage}`);
    }
    const { sent, skipped, failed } = result;
    if (values.json) {
      console.log(JSON.stringify({ sent, skipped, failed }));
    } else {
      console.log(
        `${file}: sent ${sent}, skipped ${skipped} (done before), failed ${failed}` +
          (result.complete ? '; finished' : `; NOT finished: run again to resume (cursor ${cursorPathFor(file)})`),
      );
    }
    if (result.notPut.length > 0) process.exitCode = 1;
    else if (interrupted) process.exitCode = 130;
  } finally {
    kinesis.destroy();
    dynamodb.destroy();
  }
}

/** Lines in the file (newline count, plus a last line without one), for the progress bar. */
async function countLines(file: string): Promise<number> {
  let count = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) if (byte === 10) count++;
    last = chunk[chunk.length - 1] ?? last;
  }
  return last === 10 ? count : count + 1;
}

/** One line on stderr, redrawn in place. */
class ProgressBar {
  public constructor(private readonly total: number) {}

  public draw(progress: ImportProgress): void {
    const width = 30;
    const share = this.total === 0 ? 1 : Math.min(1, progress.lines / this.total);
    const filled = Math.round(share * width);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.lines}/${this.total} lines  ` +
        `sent ${progress.sent}  skipped ${progress.skipped}  failed ${progress.failed}`,
    );
  }

  public clear(): void {
    process.stderr.write('\r\x1b[2K');
  }
}

main().catch((error: Error) => {
  console.error(`import failed: ${error.message}`);
  process.exitCode = 1;
});
