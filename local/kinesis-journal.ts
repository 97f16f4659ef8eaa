import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { dirname } from 'node:path';
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { hasRecordAt } from './esm/stale-checkpoint';
import { compareSequenceNumbers } from './sequence-numbers';

/**
 * Durable puts for the local Kinesis emulator. kinesis-mock keeps records in memory and writes
 * them to disk only every PERSIST_INTERVAL, so a record it acknowledged can be lost by a kill.
 * This loopback proxy sits between the functions and kinesis-mock: it forwards every request, and
 * answers a successful PutRecord / PutRecords only after appending the accepted records to a
 * journal (one JSON line per record, with the shard and sequence number kinesis-mock gave it).
 * At start, before it takes any request, it re-puts (in shard order) every journaled record that
 * the persisted stream lacks, then rewrites the journal with just those. So every acknowledged
 * put is on the stream after any crash; a put cut off before its answer may be lost (its caller
 * saw no success).
 *
 * The journal is written without fsync: it survives a kill of any process (the data is in the
 * kernel's page cache), not a power cut (nor do kinesis-mock's and DynamoDB Local's files).
 */

/** One acknowledged record. Short keys: the journal holds one line per record put. */
interface JournalEntry {
  /** StreamName or StreamARN, as the put named the stream. */
  readonly stream: { StreamName?: string; StreamARN?: string };
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  /** Base64, as on the wire. */
  readonly data: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export interface DurableKinesisProxyOptions {
  /** kinesis-mock's endpoint (plain HTTP). */
  readonly upstream: string;
  /** SDK client on `upstream`, used for recovery. */
  readonly kinesis: KinesisClient;
  /** The journal file (JSON lines); its folder is created. */
  readonly journalPath: string;
  readonly log?: (line: string) => void;
}

export interface RecoveryResult {
  /** Journaled records that were on the persisted stream. */
  readonly present: number;
  /** Journaled records missing from the stream, put again. */
  readonly reput: number;
}

const PUT_TARGETS = new Set(['Kinesis_20131202.PutRecord', 'Kinesis_20131202.PutRecords']);

export class DurableKinesisProxy {
  private server: Server | undefined;
  private journal: FileHandle | undefined;
  /** Lines waiting for the next journal write, and the callbacks of their puts. */
  private queued: { lines: string; waiters: Array<(error?: Error) => void> } = { lines: '', waiters: [] };
  private writing = false;
  private readonly log: (line: string) => void;
  private readonly gate: Promise<void>;
  private openGate: () => void = () => undefined;
  private closeGate: (error: Error) => void = () => undefined;
  /** `http://127.0.0.1:<port>`: what the functions get as AWS_ENDPOINT_URL_KINESIS. */
  public endpoint = '';

  private constructor(private readonly options: DurableKinesisProxyOptions) {
    this.log = options.log ?? (() => undefined);
    this.gate = new Promise((resolveGate, rejectGate) => {
      this.openGate = resolveGate;
      this.closeGate = rejectGate;
    });
    this.gate.catch(() => undefined);
  }

  /**
   * Listens on a free loopback port; requests wait until recover() has run. Call recover() before
   * anything else puts records on the stream: a put made earlier could take a lost record's
   * position (and, for a mapping's checkpoint check, the tip must still be the persisted one).
   */
  public static async listen(options: DurableKinesisProxyOptions): Promise<DurableKinesisProxy> {
    const proxy = new DurableKinesisProxy(options);
    proxy.endpoint = await proxy.startServer();
    return proxy;
  }

  /** Puts back what the stream lost, then lets requests through. */
  public async recover(): Promise<RecoveryResult> {
    try {
      const result = await this.recoverJournal();
      this.openGate();
      return result;
    } catch (error) {
      this.closeGate(error as Error);
      throw error;
    }
  }

  public async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    }
    await this.flushed();
    await this.journal?.close();
    this.journal = undefined;
  }

  private async recoverJournal(): Promise<RecoveryResult> {
    const { journalPath, kinesis } = this.options;
    const entries = await readJournal(journalPath);
    // Per shard, the persisted records are a prefix in sequence order: find the first missing one.
    const byShard = new Map<string, JournalEntry[]>();
    for (const entry of entries) {
      const key = `${entry.stream.StreamARN ?? entry.stream.StreamName} ${entry.shardId}`;
      byShard.set(key, [...(byShard.get(key) ?? []), entry]);
    }
    const missing: JournalEntry[] = [];
    for (const shardEntries of byShard.values()) {
      shardEntries.sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber));
      const firstMissing = await firstIndexWhere(shardEntries, (entry) => this.isMissing(entry));
      missing.push(...shardEntries.slice(firstMissing));
    }
    const reput: JournalEntry[] = [];
    for (const entry of missing) {
      const answer = await kinesis
        .send(
          new PutRecordCommand({
            ...entry.stream,
            PartitionKey: entry.partitionKey,
            ExplicitHashKey: entry.explicitHashKey,
            Data: Buffer.from(entry.data, 'base64'),
          }),
        )
        .catch((error: Error) => {
          // the stream itself is gone (the template no longer declares it): nothing to restore
          if (error.name !== 'ResourceNotFoundException') throw error;
          this.log(
            `[local] kinesis journal: ${entry.stream.StreamARN ?? entry.stream.StreamName} is gone: ${error.message}`,
          );
          return undefined;
        });
      if (!answer) continue;
      reput.push({ ...entry, shardId: answer.ShardId as string, sequenceNumber: answer.SequenceNumber as string });
    }
    if (missing.length > 0)
      this.log(
        `[local] kinesis journal: ${missing.length} acknowledged record(s) were missing from the persisted stream ` +
          `(lost by a crash) and were put again, in shard order`,
      );
    // Keep only what kinesis-mock may not have persisted yet; written atomically (temp file + rename).
    await mkdir(dirname(journalPath), { recursive: true });
    const temporary = `${journalPath}.${randomUUID()}.tmp`;
    await writeFile(temporary, reput.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    await rename(temporary, journalPath);
    this.journal = await open(journalPath, 'a');
    return { present: entries.length - missing.length, reput: reput.length };
  }

  private async isMissing(entry: JournalEntry): Promise<boolean> {
    return !(await hasRecordAt(this.options.kinesis, entry.stream, entry.shardId, entry.sequenceNumber));
  }

  private startServer(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.log(`[local] kinesis proxy: ${(error as Error).message}`);
        if (!res.headersSent) sendError(res, 500, 'InternalFailure', (error as Error).message);
        else res.destroy();
      });
    });
    this.server = server;
    return new Promise((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (typeof address !== 'object' || !address) return reject(new Error('kinesis proxy: no address'));
        resolveListen(`http://127.0.0.1:${address.port}`);
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.gate;
    const target = String(req.headers['x-amz-target'] ?? '');
    const isPut = PUT_TARGETS.has(target);
    if (isPut && !String(req.headers['content-type'] ?? '').includes('json')) {
      // CBOR bodies are not parsed here: refuse rather than acknowledge a put that is not journaled.
      return sendError(res, 400, 'ValidationException', 'the local kinesis proxy accepts only JSON puts (no CBOR)');
    }
    const body = await readBody(req);
    const upstream = await forward(this.options.upstream, req, body);
    if (!isPut || upstream.statusCode !== 200) {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
      return;
    }
    const answer = await readBody(upstream);
    await this.append(journalEntries(target, JSON.parse(body.toString('utf8')), JSON.parse(answer.toString('utf8'))));
    res.writeHead(200, upstream.headers);
    res.end(answer);
  }

  /** Group commit: puts that arrive while a write is under way share the next write. */
  private append(entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return new Promise((resolveAppend, reject) => {
      this.queued.lines += entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
      this.queued.waiters.push((error) => (error ? reject(error) : resolveAppend()));
      void this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queued.waiters.length > 0) {
        const batch = this.queued;
        this.queued = { lines: '', waiters: [] };
        let failure: Error | undefined;
        try {
          if (!this.journal) throw new Error('the kinesis journal is closed');
          await this.journal.appendFile(batch.lines);
        } catch (error) {
          failure = error as Error;
        }
        for (const waiter of batch.waiters) waiter(failure);
      }
    } finally {
      this.writing = false;
    }
  }

  private async flushed(): Promise<void> {
    while (this.writing || this.queued.waiters.length > 0) await new Promise((r) => setTimeout(r, 5));
  }
}

/** The records of a put that kinesis-mock accepted (PutRecords: the entries without ErrorCode). */
function journalEntries(target: string, request: PutRequest, response: PutResponse): JournalEntry[] {
  const stream = { StreamName: request.StreamName, StreamARN: request.StreamARN };
  const one = (entry: PutEntry, result: PutResult): JournalEntry => ({
    stream,
    partitionKey: entry.PartitionKey,
    explicitHashKey: entry.ExplicitHashKey,
    data: entry.Data,
    shardId: result.ShardId as string,
    sequenceNumber: result.SequenceNumber as string,
  });
  if (target.endsWith('.PutRecord')) return [one(request as PutEntry, response as PutResult)];
  const results = (response as { Records?: PutResult[] }).Records ?? [];
  return (request.Records ?? []).flatMap((entry, i) => {
    const result = results[i];
    return result?.SequenceNumber === undefined ? [] : [one(entry, result)];
  });
}

interface PutEntry {
  readonly PartitionKey: string;
  readonly ExplicitHashKey?: string;
  readonly Data: string;
}
interface PutRequest extends Partial<PutEntry> {
  readonly StreamName?: string;
  readonly StreamARN?: string;
  readonly Records?: PutEntry[];
}
interface PutResult {
  readonly ShardId?: string;
  readonly SequenceNumber?: string;
}
type PutResponse = PutResult | { Records?: PutResult[] };

async function readJournal(path: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  // A kill during an append leaves a partial last line: that put was never answered.
  if (!text.endsWith('\n')) lines.pop();
  return lines.filter((line) => line !== '').map((line) => JSON.parse(line) as JournalEntry);
}

/** Binary search for the first index where a monotone predicate (false...false true...true) holds. */
async function firstIndexWhere<T>(items: readonly T[], predicate: (item: T) => Promise<boolean>): Promise<number> {
  let [low, high] = [0, items.length];
  while (low < high) {
    const middle = (low + high) >> 1;
    // low <= middle < high <= items.length: in range
    if (await predicate(items[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}

function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolveBody(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function forward(upstream: string, req: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
  const url = new URL(req.url ?? '/', upstream);
  return new Promise((resolveForward, reject) => {
    const out = httpRequest(
      url,
      {
        method: req.method,
        headers: { ...withoutHeader(req.headers, 'transfer-encoding'), host: url.host, 'content-length': body.length },
      },
      resolveForward,
    );
    out.once('error', reject);
    out.end(body);
  });
}

function withoutHeader(headers: IncomingMessage['headers'], name: string): IncomingMessage['headers'] {
  const { [name]: _dropped, ...rest } = headers;
  return rest;
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify({ __type: type, message }));
}
