import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { orderstreamLocalApp } from '../bin/local-app';
import { DynamoDbCatalog } from '../lambdas/adapters/dynamodb-catalog';
import { localDynamoDbClient, localKinesisClient } from '../local/clients';
import type { InvocationResult } from '../local/esm/types';
import type { LocalFunctionDefinition } from '../local/functions';
import { startLocalRuntime } from '../local/runtime';
import { postOrder } from './place-order';
import { median, percentile, type Report } from './report';

/** The issue's figure (issue 9): 200 orders from 20 clients on this machine, before this work. */
const ISSUE_BASELINE_ORDERS_PER_SECOND = 1.62;
/**
 * Deliveries between POST and a COMPLETED read model, one after another: ORDER_CREATED -> saga,
 * RESERVE_INVENTORY -> inventory, INVENTORY_RESERVED -> saga, PROCESS_PAYMENT -> payment,
 * PAYMENT_PROCESSED -> saga, SHIP_ORDER -> shipping, ORDER_SHIPPED -> saga, ORDER_COMPLETED -> projector.
 */
const HOPS = 8;
const CLIENTS = Number(process.env.BENCH_E2E_CLIENTS ?? 128);
const LOAD_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 45);
const WARMUP_SECONDS = Number(process.env.BENCH_E2E_WARMUP_SECONDS ?? 10);
const FLOOR_SAMPLES = Number(process.env.BENCH_E2E_FLOOR_SAMPLES ?? 20);
const SINGLE_ORDERS = Number(process.env.BENCH_E2E_SINGLE_ORDERS ?? 5);
const SETTLE_TIMEOUT_MS = 180_000;
const SKU = 'BENCH-E2E';

/**
 * The baseline measured in the same run: the same code with the issue-9 levers off, every
 * consumer taking one record at a time (so each record also makes its own PutRecords call:
 * there is nothing to coalesce), as the consumers worked when the issue was filed.
 */
const BASELINE_ENVIRONMENT = { ORDERSTREAM_CONSUMER_CONCURRENCY: '1' } as const;

type SustainedLoad = Awaited<ReturnType<typeof sustainedLoad>>;

/**
 * End to end on the local runtime (`npm start`'s code: synthesized template, bundled functions in
 * their own processes, kinesis-mock, DynamoDB Local, the mapping engine):
 * 1. floor: the emulator's put -> SubscribeToShard delivery latency, with a bare subscriber;
 * 2. unloaded: orders one at a time, POST -> COMPLETED, against HOPS x floor;
 * 3. load: CLIENTS clients each placing an order and waiting for it to complete, again and again,
 *    for LOAD_SECONDS (the first WARMUP_SECONDS not counted): sustained orders/s, p50/p95, and
 *    every accepted order must reach COMPLETED (zero loss); first with the baseline
 *    configuration (BASELINE_ENVIRONMENT), then as deployed, each on a fresh runtime.
 */
export async function e2eBenchmark(
  synthesized: { outDir: string },
  report: Report,
  freeCores: () => Promise<void>,
): Promise<void> {
  await freeCores();
  const baseline = await onFreshRuntime(synthesized, BASELINE_ENVIRONMENT, async (place) => sustainedLoad(place));
  console.log(`e2e baseline, ${describeLoad(baseline)}`);
  const measured = await onFreshRuntime(synthesized, {}, async (place, kinesis) => {
    const floorMs = await deliveryFloor(kinesis);
    console.log(`e2e floor: put -> SubscribeToShard delivery p50 ${Math.round(floorMs)} ms (bare subscriber)`);
    const single: number[] = [];
    for (let i = 0; i < SINGLE_ORDERS; i++) single.push((await place()).latencyMs);
    const singleP50 = median(single);
    console.log(
      `e2e one order at a time: p50 ${Math.round(singleP50)} ms = ${(singleP50 / (HOPS * floorMs)).toFixed(2)} x ` +
        `(${HOPS} hops x floor ${Math.round(floorMs)} ms)`,
    );
    return { floorMs, singleP50, load: await sustainedLoad(place) };
  });
  const { floorMs, singleP50, load } = measured;
  console.log(
    `e2e as deployed, ${describeLoad(load)} (p50 = ${(load.p50Ms / (HOPS * floorMs)).toFixed(2)} x hops x floor)`,
  );
  console.log(
    `e2e: x${(load.ordersPerSecond / baseline.ordersPerSecond).toFixed(2)} the baseline's orders/s in this run ` +
      `(x${(load.ordersPerSecond / ISSUE_BASELINE_ORDERS_PER_SECOND).toFixed(1)} the ${ISSUE_BASELINE_ORDERS_PER_SECOND} orders/s of issue 9)`,
  );
  const loadFigures = (figures: SustainedLoad) => ({
    ordersPerSecond: Number(figures.ordersPerSecond.toFixed(2)),
    p50Ms: Math.round(figures.p50Ms),
    p95Ms: Math.round(figures.p95Ms),
    p50TimesHopsFloor: ratio(figures.p50Ms, HOPS * floorMs),
    accepted: figures.accepted,
    completed: figures.completed,
    lost: figures.lost,
    refused: figures.refused,
    refusedStatuses: figures.refusedStatuses,
  });
  report.e2e = {
    hops: HOPS,
    floorP50Ms: Math.round(floorMs),
    singleOrder: {
      orders: SINGLE_ORDERS,
      p50Ms: Math.round(singleP50),
      timesHopsFloor: ratio(singleP50, HOPS * floorMs),
    },
    clients: CLIENTS,
    measuredSeconds: LOAD_SECONDS - WARMUP_SECONDS,
    baseline: { environment: BASELINE_ENVIRONMENT, ...loadFigures(baseline) },
    load: loadFigures(load),
    timesBaseline: ratio(load.ordersPerSecond, baseline.ordersPerSecond),
    issueBaselineOrdersPerSecond: ISSUE_BASELINE_ORDERS_PER_SECOND,
    timesIssueBaseline: ratio(load.ordersPerSecond, ISSUE_BASELINE_ORDERS_PER_SECOND),
  };
}

function describeLoad(load: SustainedLoad): string {
  return (
    `${CLIENTS} clients, ${LOAD_SECONDS - WARMUP_SECONDS} s measured: ${load.ordersPerSecond.toFixed(2)} orders/s ` +
    `POST -> COMPLETED, p50 ${Math.round(load.p50Ms)} ms, p95 ${Math.round(load.p95Ms)} ms; ${load.accepted} accepted, ` +
    `${load.completed} completed, ${load.lost} lost, ${load.refused} refused ${JSON.stringify(load.refusedStatuses)}`
  );
}

/**
 * Starts a fresh local runtime whose functions also get `environment`, stocks the bench SKU,
 * warms every function with one order, runs `measure` and stops the runtime.
 */
async function onFreshRuntime<T>(
  synthesized: { outDir: string },
  environment: Readonly<Record<string, string>>,
  measure: (place: () => Promise<Placed>, kinesis: KinesisClient) => Promise<T>,
): Promise<T> {
  const work = mkdtempSync(join(tmpdir(), 'orderstream-bench-e2e-'));
  const completions = new Map<string, () => void>();
  const app = orderstreamLocalApp({ demoCatalog: false });
  const runtime = await startLocalRuntime({
    ...app,
    functionEnvironment: (fn, dataDir) => ({ ...app.functionEnvironment?.(fn, dataDir), ...environment }),
    projectDir: resolve(__dirname, '..'),
    dataDir: join(work, 'data'),
    cdkOutDir: synthesized.outDir,
    skipSynth: true,
    // The bench's clients are unsigned, like `npm run load`'s against older commits; the functions' role
    // checks stay on (the default), so their cost is in the figures.
    apiAuthorizers: false,
    fresh: true,
    port: 0,
    kinesisPort: 0,
    dynamoDbPort: 0,
    log: () => undefined,
    onFunctionLog: () => undefined,
    onInvocation: (fn, event, result) => {
      for (const orderId of completedOrders(fn, event, result)) completions.get(orderId)?.();
    },
  });
  const kinesis = localKinesisClient(runtime.kinesisEndpoint);
  const dynamodb = localDynamoDbClient(runtime.dynamoDbEndpoint);
  try {
    await new DynamoDbCatalog(DynamoDBDocumentClient.from(dynamodb), { tableName: runtime.tables.inventory }).putItem({
      sku: SKU,
      available: 1_000_000_000,
      priceCents: 1250,
    });
    const place = orderPlacer(runtime.apiUrl, completions);
    await place(); // warm the functions' environments
    return await measure(place, kinesis);
  } finally {
    kinesis.destroy();
    dynamodb.destroy();
    await runtime.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const ratio = (value: number, base: number): number => Number((value / base).toFixed(2));

/** The orderIds whose ORDER_COMPLETED the projector just wrote (what GET /orders/{id} then shows). */
function completedOrders(fn: LocalFunctionDefinition, event: unknown, result: InvocationResult): string[] {
  if (fn.serviceName !== 'projector' || result.kind !== 'success') return [];
  const failed = new Set(
    ((result.payload as { batchItemFailures?: { itemIdentifier: string }[] } | null)?.batchItemFailures ?? []).map(
      (failure) => failure.itemIdentifier,
    ),
  );
  return ((event as Partial<KinesisStreamEvent>).Records ?? []).flatMap((record) => {
    if (failed.has(record.kinesis.sequenceNumber)) return [];
    const envelope = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    return envelope.eventType === 'ORDER_COMPLETED' ? [String(envelope.orderId)] : [];
  });
}

interface Placed {
  readonly accepted: boolean;
  /** The API's status when it refused the order. */
  readonly status: number;
  readonly latencyMs: number;
  readonly placedAt: number;
  readonly completedAt: number;
}

/** POSTs one order and resolves once it is COMPLETED (or right away when the API refused it). */
function orderPlacer(apiUrl: string, completions: Map<string, () => void>): () => Promise<Placed> {
  let n = 0;
  return async () => {
    const placedAt = Date.now();
    const { status, orderId } = await postOrder(apiUrl, `bench-${++n}`, SKU);
    if (!orderId) return { accepted: false, status, latencyMs: 0, placedAt, completedAt: 0 };
    const completed = new Promise<void>((done) => completions.set(orderId, done));
    const timeout = sleep(SETTLE_TIMEOUT_MS).then(() => 'timeout' as const);
    const outcome = await Promise.race([completed, timeout]);
    completions.delete(orderId);
    if (outcome === 'timeout') throw new Error(`order ${orderId} not COMPLETED within ${SETTLE_TIMEOUT_MS / 1000} s`);
    const completedAt = Date.now();
    return { accepted: true, status: 202, latencyMs: completedAt - placedAt, placedAt, completedAt };
  };
}

async function sustainedLoad(place: () => Promise<Placed>) {
  const start = Date.now();
  const windowStart = start + WARMUP_SECONDS * 1000;
  const windowEnd = start + LOAD_SECONDS * 1000;
  const results: Placed[] = [];
  let lost = 0;
  const client = async (): Promise<void> => {
    while (Date.now() < windowEnd) {
      try {
        results.push(await place());
      } catch {
        lost++;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const accepted = results.filter((result) => result.accepted);
  const inWindow = accepted.filter((result) => result.completedAt >= windowStart && result.completedAt < windowEnd);
  const measured = accepted.filter((result) => result.placedAt >= windowStart);
  const latencies = (measured.length > 0 ? measured : accepted).map((result) => result.latencyMs);
  return {
    ordersPerSecond: inWindow.length / (LOAD_SECONDS - WARMUP_SECONDS),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    accepted: accepted.length + lost,
    completed: accepted.length,
    lost,
    refused: results.length - accepted.length,
    refusedStatuses: [...new Set(results.filter((result) => !result.accepted).map((result) => result.status))],
  };
}

/** put -> delivery p50 of kinesis-mock's SubscribeToShard, on a one-shard stream of its own. */
async function deliveryFloor(kinesis: KinesisClient): Promise<number> {
  const streamName = `bench-floor-${process.pid}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
  let streamArn: string | undefined;
  while (!streamArn) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE')
      streamArn = summary.StreamDescriptionSummary.StreamARN;
    else await sleep(100);
  }
  const { Consumer } = await kinesis.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: `${streamName}-bare` }),
  );
  const consumerArn = Consumer!.ConsumerARN!;
  for (;;) {
    const { ConsumerDescription } = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    if (ConsumerDescription?.ConsumerStatus === 'ACTIVE') break;
    await sleep(100);
  }
  const shardId = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards![0]!.ShardId!;
  const putAt = new Map<string, number>();
  const delays: number[] = [];
  const subscription = await kinesis.send(
    new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: { Type: 'LATEST' } }),
  );
  const reading = (async () => {
    for await (const event of subscription.EventStream ?? []) {
      for (const record of event.SubscribeToShardEvent?.Records ?? []) {
        const sent = putAt.get(Buffer.from(record.Data!).toString('utf8'));
        if (sent !== undefined) delays.push(Date.now() - sent);
      }
      if (delays.length >= FLOOR_SAMPLES) return;
    }
  })();
  // Spread over a few seconds: puts land at every phase of the emulator's push cycle.
  for (let i = 0; i < FLOOR_SAMPLES; i++) {
    const data = `floor-${i}`;
    putAt.set(data, Date.now());
    await kinesis.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: data, Data: Buffer.from(data) }));
    await sleep(137);
  }
  await Promise.race([reading, sleep(15_000)]);
  if (delays.length === 0) throw new Error('the bare subscriber received nothing within 15 s');
  return median(delays);
}
