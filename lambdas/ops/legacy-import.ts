import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as z from 'zod';
import type { RawRecord } from '../adapters/kinesis-event-publisher';
import { type PlaceOrderRequest, PlaceOrderRequestSchema } from '../api/schemas';
import { deterministicEventId } from '../contract/envelope';
import type { Catalog } from '../ports/catalog';
import { orderCreatedFor } from './order-created';
import { MAX_BYTES_PER_CALL, MAX_ENTRIES_PER_CALL, type OrderedPutResult } from './ordered-put';

/**
 * Bulk import of legacy orders (one JSON object a line: the POST /orders body plus
 * `legacyOrderId`, and optionally `placedAt`), each published as the ORDER_CREATED an order
 * placed through the API would get. The orderId is derived from legacyOrderId, so the eventId
 * is too: importing an order twice puts the same event, which every consumer deduplicates.
 *
 * Resumable: after each batch is on the stream, a cursor beside the file (`FILE.cursor`,
 * written atomically) records how many lines are done and a hash of them; a new run skips
 * those lines (a file changed under its cursor is refused). A finished file imports nothing.
 */

export const LegacyOrderSchema = PlaceOrderRequestSchema.extend({
  legacyOrderId: z.string().trim().min(1).max(128),
  /** When the legacy system took the order: the ORDER_CREATED's occurredAt. @default the import time */
  placedAt: z.iso.datetime({ offset: true }).optional(),
});
export type LegacyOrder = z.infer<typeof LegacyOrderSchema>;

/** The orderId of a legacy order: the same legacyOrderId always names the same order. */
export function orderIdForLegacyOrder(legacyOrderId: string): string {
  return deterministicEventId('orderstream:legacy-order', legacyOrderId);
}

/** A line of the file: the order, or why it cannot be imported. */
export type ParsedLine =
  | { readonly ok: true; readonly order: LegacyOrder }
  | { readonly ok: false; readonly error: string };

/** Parses and validates one line with the POST /orders schema; errors name the failing fields. */
export function parseLegacyLine(text: string): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  const result = LegacyOrderSchema.safeParse(raw);
  if (result.success) return { ok: true, order: result.data };
  return {
    ok: false,
    error: result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '),
  };
}

/** What the cursor file holds. */
export interface ImportCursor {
  readonly version: 1;
  /** Lines done (published, or failed validation), from the top of the file. */
  readonly lines: number;
  /** sha256 of those lines (each with "\n"), to notice a file changed under its cursor. */
  readonly sha256: string;
  readonly updatedAt: string;
}

export function cursorPathFor(file: string): string {
  return `${file}.cursor`;
}

export interface ImportSummary {
  /** Orders put on the stream by this run. */
  sent: number;
  /** Lines done by an earlier run (below the cursor). */
  skipped: number;
  /** Lines that cannot be imported (bad JSON, schema, unknown SKU, duplicate legacyOrderId). */
  failed: number;
}

export interface ImportProgress extends ImportSummary {
  /** Lines read so far. */
  readonly lines: number;
}

export interface LineError {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly message: string;
}

export interface ImportOptions {
  readonly file: string;
  /** Unit prices (the inventory table's catalogue). */
  readonly catalog: Pick<Catalog, 'getPrices'>;
  /** Puts records in order per partition key (an OrderedPutter). */
  readonly put: (records: readonly OrderRecord[]) => Promise<OrderedPutResult<OrderRecord>>;
  /** Stop after this many batches (the cursor is written); for a planned partial run or a test. @default no limit */
  readonly maxBatches?: number;
  /** Checked between batches: true stops the import cleanly (e.g. after Ctrl-C). @default never */
  readonly shouldStop?: () => boolean;
  readonly onLineError?: (error: LineError) => void;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface ImportResult extends ImportSummary {
  /** Every line was handled (false when stopped early or when the stream refused records). */
  readonly complete: boolean;
  /** Records the stream did not accept (the cursor stops before the first of them). */
  readonly notPut: OrderedPutResult<OrderRecord>['notPut'];
}

/** An ORDER_CREATED record with the line it came from. */
export interface OrderRecord extends RawRecord {
  readonly line: number;
}

/** A line read and parsed, waiting for its batch. */
interface PendingLine {
  readonly line: number;
  readonly order: LegacyOrder;
}

export async function importLegacyOrders(options: ImportOptions): Promise<ImportResult> {
  const cursorPath = cursorPathFor(options.file);
  const cursor = readCursor(cursorPath);
  const now = options.now ?? (() => new Date());
  const summary: ImportSummary = { sent: 0, skipped: 0, failed: 0 };
  const hash = createHash('sha256');
  /** legacyOrderId -> first line, to refuse a second line for the same order. */
  const seen = new Map<string, number>();
  const prices = new Map<string, number | undefined>();
  let lines = 0;
  let batch: PendingLine[] = [];
  let batchBytes = 0;
  let batches = 0;
  /** Lines handled by this run but not yet covered by the cursor (failed lines after the last batch). */
  let failedSinceBatch = 0;

  const fail = (line: number, message: string) => {
    summary.failed++;
    failedSinceBatch++;
    options.onLineError?.({ line, message });
  };
  const progress = () => options.onProgress?.({ ...summary, lines });
  /** Writes the cursor: every line up to `done` is on the stream or failed. */
  const writeCursor = (done: number, digest: string) => {
    const next: ImportCursor = { version: 1, lines: done, sha256: digest, updatedAt: now().toISOString() };
    const temporary = `${cursorPath}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(next)}\n`);
    renameSync(temporary, cursorPath);
  };
  /** Line hashes so far, by line count: the cursor needs the digest at the end of a batch. */
  const digests = new Map<number, string>([[0, hash.copy().digest('hex')]]);

  /** Publishes the batch; false when the stream refused records (the cursor stops before them). */
  const flush = async (): Promise<{ ok: boolean; notPut: ImportResult['notPut'] }> => {
    const pending = batch;
    batch = [];
    batchBytes = 0;
    const records = await toRecords(pending, options.catalog, prices, now, fail);
    const result = records.length > 0 ? await options.put(records) : { put: [], notPut: [], calls: 0 };
    summary.sent += result.put.length;
    batches++;
    const firstNotPut = result.notPut[0]?.record.line;
    const done = firstNotPut === undefined ? lines : firstNotPut - 1;
    writeCursor(done, digests.get(done)!);
    for (const key of [...digests.keys()]) if (key < lines) digests.delete(key);
    failedSinceBatch = 0;
    progress();
    return { ok: result.notPut.length === 0, notPut: result.notPut };
  };

  const input = createInterface({ input: createReadStream(options.file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of input) {
    lines++;
    hash.update(`${text}\n`);
    if (cursor && lines === cursor.lines) digests.set(lines, hash.copy().digest('hex'));
    if (cursor && lines <= cursor.lines) {
      summary.skipped++;
      rememberId(text, lines, seen);
      if (lines === cursor.lines && digests.get(lines) !== cursor.sha256) {
        throw new Error(
          `${options.file} changed since ${cursorPath} was written (its first ${cursor.lines} lines differ); ` +
            'import a new file, or delete the cursor to start over',
        );
      }
      if (lines % 1_000 === 0) progress();
      continue;
    }
    if (text.trim() === '') {
      fail(lines, 'empty line');
    } else {
      const parsed = parseLegacyLine(text);
      if (!parsed.ok) {
        fail(lines, parsed.error);
      } else {
        const first = seen.get(parsed.order.legacyOrderId);
        if (first !== undefined) {
          fail(lines, `legacyOrderId ${parsed.order.legacyOrderId} is already on line ${first}`);
        } else {
          seen.set(parsed.order.legacyOrderId, lines);
          batch.push({ line: lines, order: parsed.order });
          batchBytes += Buffer.byteLength(text) + 400; // the envelope adds ids and prices
        }
      }
    }
    digests.set(lines, hash.copy().digest('hex'));
    if (batch.length === MAX_ENTRIES_PER_CALL || batchBytes >= MAX_BYTES_PER_CALL * 0.9) {
      const { ok, notPut } = await flush();
      if (!ok) return { ...summary, complete: false, notPut };
      if (batches === options.maxBatches || options.shouldStop?.()) {
        input.close();
        return { ...summary, complete: false, notPut: [] };
      }
    }
  }
  if (cursor && lines < cursor.lines) {
    throw new Error(`${options.file} has ${lines} lines, fewer than the ${cursor.lines} its cursor says are done`);
  }
  if (batch.length > 0 || failedSinceBatch > 0 || (!cursor && lines === 0)) {
    const { ok, notPut } = await flush();
    if (!ok) return { ...summary, complete: false, notPut };
  }
  progress();
  return { ...summary, complete: true, notPut: [] };
}

/** Prices a batch (one catalogue lookup for the SKUs not seen before) and builds its records. */
async function toRecords(
  pending: readonly PendingLine[],
  catalog: Pick<Catalog, 'getPrices'>,
  prices: Map<string, number | undefined>,
  now: () => Date,
  fail: (line: number, message: string) => void,
): Promise<OrderRecord[]> {
  const unknown = [...new Set(pending.flatMap(({ order }) => order.items.map((item) => item.sku)))].filter(
    (sku) => !prices.has(sku),
  );
  if (unknown.length > 0) {
    const found = await catalog.getPrices(unknown);
    for (const sku of unknown) prices.set(sku, found.get(sku));
  }
  const known = new Map([...prices].filter((entry): entry is [string, number] => entry[1] !== undefined));
  const records: OrderRecord[] = [];
  for (const { line, order } of pending) {
    const orderId = orderIdForLegacyOrder(order.legacyOrderId);
    const created = orderCreatedFor(orderId, toRequest(order), known, order.placedAt ?? now().toISOString());
    if (!created.ok) {
      fail(line, `unknown SKU(s): ${created.unknownSkus.join(', ')}`);
      continue;
    }
    records.push({
      line,
      partitionKey: orderId,
      data: Buffer.from(JSON.stringify(created.event), 'utf8'),
      label: `line ${line} (legacyOrderId ${order.legacyOrderId})`,
    });
  }
  return records;
}

function toRequest(order: LegacyOrder): PlaceOrderRequest {
  const { legacyOrderId: _id, placedAt: _placedAt, ...request } = order;
  return request;
}

function rememberId(text: string, line: number, seen: Map<string, number>): void {
  try {
    const id = (JSON.parse(text) as { legacyOrderId?: unknown }).legacyOrderId;
    if (typeof id === 'string' && !seen.has(id.trim())) seen.set(id.trim(), line);
  } catch {
    // a bad line below the cursor was counted failed by the run that read it
  }
}

function readCursor(path: string): ImportCursor | undefined {
  if (!existsSync(path)) return undefined;
  const cursor = JSON.parse(readFileSync(path, 'utf8')) as ImportCursor;
  if (cursor.version !== 1 || !Number.isInteger(cursor.lines) || typeof cursor.sha256 !== 'string') {
    throw new Error(`${path} is not an import cursor; delete it to start over`);
  }
  return cursor;
}
