import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { localKinesisClient } from '../../../local/clients';
import type { TestStream } from '../esm/esm-fixture';
import { waitFor } from '../esm/esm-fixture';

/**
 * SIGKILL of the runtime mid-load, on the real emulators with persisted data: the child
 * (crash-child.ts) runs kinesis-mock, DynamoDB Local, the durable put proxy and the ESM engine
 * with a consumer that puts one effect per order through the proxy. Clients put orders through
 * the proxy too. After the kill and a restart on the same data folder, every put that was
 * acknowledged before the kill is on the stream, no checkpoint names a record the stream lacks,
 * and every acknowledged order gets its effect (nothing is skipped).
 */

interface Ready {
  readonly kinesisEndpoint: string;
  readonly proxyEndpoint: string;
  readonly stream: TestStream;
  readonly recovered: { present: number; reput: number };
}

interface Child {
  readonly process: ChildProcess;
  readonly ready: Promise<Ready>;
  /** Effects the proxy acknowledged to the consumer. */
  readonly effects: Set<number>;
  readonly logs: string[];
}

const CHILD = join(__dirname, 'crash-child.ts');

function startChild(dataDir: string): Child {
  const child = spawn(process.execPath, ['--require', 'ts-node/register/transpile-only', CHILD, dataDir], {
    cwd: join(__dirname, '..', '..', '..'),
    // own process group: the test kills the whole group, as a crash of `npm start` would
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const effects = new Set<number>();
  const logs: string[] = [];
  const ready = new Promise<Ready>((resolveReady, reject) => {
    child.once('exit', (code) => reject(new Error(`crash child exited (${code}) before ready:\n${logs.join('\n')}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const message = JSON.parse(line);
      if (message.effect !== undefined) effects.add(message.effect);
      if (message.log) logs.push(message.log);
      if (message.error) logs.push(message.error);
      if (message.ready) resolveReady(message as Ready);
    });
  });
  ready.catch(() => undefined);
  return { process: child, ready, effects, logs };
}

function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => {
    child.once('exit', () => resolveExit());
    process.kill(-(child.pid as number), 'SIGKILL');
  });
}

/** Resolves once nothing listens on the endpoint's port any more (the guardian killed the emulator). */
function closed(endpoint: string): Promise<boolean | undefined> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolveProbe) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe(undefined);
    });
    socket.once('error', () => resolveProbe(true));
  });
}

/** Every record of the stream (all shards), parsed. */
async function readStream(kinesis: KinesisClient, streamArn: string): Promise<Array<{ kind: string; n: number }>> {
  const records: Array<{ kind: string; n: number }> = [];
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamARN: streamArn }));
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamARN: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ StreamARN: streamArn, ShardIterator: iterator }));
      if (!page.Records?.length) break;
      for (const r of page.Records) records.push(JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')));
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

describe('local runtime: SIGKILL mid-load, restart on the same data', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'orderstream-crash-'));
  const children: Child[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => killGroup(c.process)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged put, and no checkpoint is past the stream tip', async () => {
    const first = startChild(dataDir);
    children.push(first);
    const { proxyEndpoint, kinesisEndpoint, stream } = await first.ready;

    // 4 clients put orders through the proxy until the kill
    const client = localKinesisClient(proxyEndpoint);
    const acknowledged = new Set<number>();
    let next = 0;
    let killed = false;
    const putLoop = async (): Promise<void> => {
      while (!killed) {
        const n = ++next;
        try {
          await client.send(
            new PutRecordCommand({
              StreamARN: stream.streamArn,
              PartitionKey: `order-${n}`,
              Data: Buffer.from(JSON.stringify({ kind: 'order', n })),
            }),
          );
          if (!killed) acknowledged.add(n);
        } catch {
          // the kill cut this put off: not acknowledged
        }
      }
    };
    const loops = Array.from({ length: 4 }, putLoop);
    // load until kinesis-mock's snapshot (every 10 s) lags behind the last puts
    await waitFor(() => (acknowledged.size >= 150 && first.effects.size >= 50) || undefined, 30_000);
    const acknowledgedEffects = new Set(first.effects);
    killed = true;
    await killGroup(first.process);
    // what the proxy acknowledged after the snapshot of the sets above may also count: take it at the kill
    for (const n of first.effects) acknowledgedEffects.add(n);
    await Promise.all(loops);
    client.destroy();
    await waitFor(() => closed(kinesisEndpoint), 10_000);

    const second = startChild(dataDir);
    children.push(second);
    const ready = await second.ready;
    const kinesis = localKinesisClient(ready.kinesisEndpoint);
    try {
      const onStream = await readStream(kinesis, stream.streamArn);
      const orders = new Set(onStream.filter((r) => r.kind === 'order').map((r) => r.n));
      const effects = new Set(onStream.filter((r) => r.kind === 'effect').map((r) => r.n));
      expect([...acknowledged].filter((n) => !orders.has(n))).toEqual([]);
      expect([...acknowledgedEffects].filter((n) => !effects.has(n))).toEqual([]);
      // a journaled record is put back only when missing: none twice
      expect(onStream.filter((r) => r.kind === 'order').length).toBe(orders.size);

      // every checkpoint names a record the stream has (kinesis-mock refuses AFTER an unknown one)
      const checkpoints: Record<string, string> = JSON.parse(
        readFileSync(join(dataDir, 'checkpoints', 'Consumer.json'), 'utf8'),
      );
      for (const [shardId, sequenceNumber] of Object.entries(checkpoints)) {
        await kinesis.send(
          new GetShardIteratorCommand({
            StreamARN: stream.streamArn,
            ShardId: shardId,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            StartingSequenceNumber: sequenceNumber,
          }),
        );
      }

      // the consumer resumes and skips nothing: every acknowledged order gets its effect
      await waitFor(
        async () => {
          const done = new Set(
            (await readStream(kinesis, stream.streamArn)).filter((r) => r.kind === 'effect').map((r) => r.n),
          );
          return [...acknowledged].every((n) => done.has(n)) || undefined;
        },
        20_000,
        500,
      );
      console.log(
        `crash test: ${acknowledged.size} orders and ${acknowledgedEffects.size} effects acknowledged before the kill; ` +
          `at restart ${ready.recovered.reput} journaled record(s) were missing from the stream and put back; ` +
          `stale checkpoints: ${second.logs.filter((l) => l.includes('past the stream')).length}`,
      );
    } finally {
      kinesis.destroy();
    }
  }, 120_000);

  it('puts back what was acknowledged before kinesis-mock ever saved a record of the shard', async () => {
    // Prepare: a fresh stream, just saved EMPTY in kinesis-mock's snapshot (the next save is 10 s away)
    const emptyDataDir = mkdtempSync(join(tmpdir(), 'orderstream-crash-empty-'));
    try {
      const first = startChild(emptyDataDir);
      children.push(first);
      const { proxyEndpoint, kinesisEndpoint, stream } = await first.ready;
      const client = localKinesisClient(proxyEndpoint);
      const acknowledged: number[] = [];
      for (let n = 1; n <= 5; n++) {
        await client.send(
          new PutRecordCommand({
            StreamARN: stream.streamArn,
            PartitionKey: `order-${n}`,
            Data: Buffer.from(JSON.stringify({ kind: 'order', n })),
          }),
        );
        acknowledged.push(n);
      }
      client.destroy();

      // Act: killed before the next snapshot, then started again on the same data
      await killGroup(first.process);
      await waitFor(() => closed(kinesisEndpoint), 10_000);
      const second = startChild(emptyDataDir);
      children.push(second);
      const ready = await second.ready;
      // the case under test happened: the restart found none of them in the snapshot
      expect(ready.recovered.reput).toBeGreaterThanOrEqual(acknowledged.length);

      // Assess: every acknowledged order is back on the stream, once, and gets its effect
      const kinesis = localKinesisClient(ready.kinesisEndpoint);
      try {
        const orders = (await readStream(kinesis, stream.streamArn)).filter((r) => r.kind === 'order').map((r) => r.n);
        expect([...orders].sort((a, b) => a - b)).toEqual(acknowledged);
        await waitFor(
          async () => {
            const effects = new Set(
              (await readStream(kinesis, stream.streamArn)).filter((r) => r.kind === 'effect').map((r) => r.n),
            );
            return acknowledged.every((n) => effects.has(n)) || undefined;
          },
          20_000,
          500,
        );
      } finally {
        kinesis.destroy();
      }
    } finally {
      rmSync(emptyDataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
