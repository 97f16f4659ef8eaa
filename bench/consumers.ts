import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { DynamoDbCatalog } from '../lambdas/adapters/dynamodb-catalog';
import type { EventEnvelope } from '../lambdas/contract/envelope';
import { DEFAULT_CONSUMER_CONCURRENCY } from '../lambdas/contract/limits';
import { documentClient, dynamoDbClient, kinesisClient } from '../lambdas/runtime/aws-clients';
import { localDynamoDbClient, localKinesisClient } from '../local/clients';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type RunningEmulators } from '../local/emulators';
import type { LocalFunctionDefinition } from '../local/functions';
import { provision } from '../local/provision';
import { aKinesisEvent, aLambdaContext, anEnvelope } from '../test/helpers/kinesis-events';
import { anOrderCreated } from '../test/helpers/order-events';
import { AWS_LIKE_LATENCY, addCallLatency, countCalls } from './latency-model';
import { alternate, median, type Report } from './report';
import type { SynthesizedApp } from './synthesized';

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Records per run: one batch for the sequential consumer (2+ s at 5 ms per call), three for the concurrent one. */
const SEQUENTIAL_RECORDS = Number(process.env.BENCH_SEQUENTIAL_RECORDS ?? 100);
const CONCURRENT_RECORDS = Number(process.env.BENCH_CONCURRENT_RECORDS ?? 300);
const BATCH_SIZE = 100;
const SKUS = 50;
const sku = (i: number): string => `BENCH-${i % SKUS}`;
const ADDRESS = { name: 'Ada', line1: '1 Main St', city: 'Paris', postalCode: '75001', country: 'FR' };

/** Record `i` of a run, of the type each consumer acts on (every record its own order, as under load). */
const INPUTS: Record<string, (orderId: string, i: number) => EventEnvelope> = {
  saga: (orderId) => anOrderCreated({}, orderId),
  inventory: (orderId, i) =>
    anEnvelope({ orderId, eventType: 'RESERVE_INVENTORY', payload: { items: [{ sku: sku(i), quantity: 1 }] } }),
  payment: (orderId) =>
    anEnvelope({
      orderId,
      eventType: 'PROCESS_PAYMENT',
      payload: { customerId: 'bench', amountCents: 1000, currency: 'EUR' },
    }),
  shipping: (orderId, i) =>
    anEnvelope({
      orderId,
      eventType: 'SHIP_ORDER',
      payload: { shippingAddress: ADDRESS, items: [{ sku: sku(i), quantity: 1 }] },
    }),
  email: (orderId) => {
    const { shippingAddress: _address, paymentToken: _token, ...summary } = anOrderCreated({}, orderId).payload;
    return anEnvelope({ orderId, eventType: 'ORDER_COMPLETED', payload: summary });
  },
  projector: (orderId) => anOrderCreated({}, orderId),
};

export interface ConsumerFigures {
  readonly service: string;
  /** SDK calls and this process's CPU per record at the default concurrency (medians over the rounds). */
  readonly dynamoDbCallsPerRecord: number;
  readonly kinesisCallsPerRecord: number;
  readonly cpuMsPerRecord: number;
  /**
   * records/s per shard the model predicts on AWS: min(concurrency / (calls x model latency),
   * 1000 / CPU ms per record), assuming the calls of a record run one after another.
   */
  readonly modelledPerSecond: number;
  readonly sequentialPerSecond: number;
  readonly concurrentPerSecond: number;
  readonly speedup: number;
  readonly meetsGoal: boolean;
}

/**
 * Records/s per shard of every consumer under the AWS-like latency model (5 ms per DynamoDB call,
 * 10 ms per Kinesis call, on top of the emulators' own time), with ParallelizationFactor 1: one
 * 100-record batch at a time. Each consumer is its real handler module (its use case, adapters,
 * the shared stream consumer) loaded twice from source: concurrency 1 (before) and the default.
 */
export async function consumersBenchmark(
  emulators: RunningEmulators,
  { template, functions }: SynthesizedApp,
  report: Report,
): Promise<void> {
  const kinesis = localKinesisClient(emulators.kinesisEndpoint);
  const dynamodb = localDynamoDbClient(emulators.dynamoDbEndpoint);
  await provision({ template, kinesis, dynamodb, failedRecordsDir: mkdtempSync(join(tmpdir(), 'bench-failed-')) });
  kinesis.destroy();
  dynamodb.destroy();
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoDbEndpoint,
    AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint,
  });
  // The handlers' own clients (runtime/aws-clients.ts singletons), before any handler uses them.
  addCallLatency(dynamoDbClient(), AWS_LIKE_LATENCY.dynamoDbMs);
  addCallLatency(kinesisClient(), AWS_LIKE_LATENCY.kinesisMs);
  const calls = { dynamodb: countCalls(dynamoDbClient()), kinesis: countCalls(kinesisClient()) };

  const inventory = functions.find((fn) => fn.serviceName === 'inventory');
  if (!inventory) throw new Error('the template has no inventory function');
  const stock = new DynamoDbCatalog(documentClient(), { tableName: inventory.environment.INVENTORY_TABLE! });
  for (let i = 0; i < SKUS; i++) await stock.putItem({ sku: sku(i), available: 1_000_000_000, priceCents: 100 });

  console.log(
    `consumers: records/s per shard, batches of ${BATCH_SIZE} one at a time, ${AWS_LIKE_LATENCY.dynamoDbMs} ms per ` +
      `DynamoDB call and ${AWS_LIKE_LATENCY.kinesisMs} ms per Kinesis call on top of the emulators`,
  );
  const figures: ConsumerFigures[] = [];
  const only = process.env.BENCH_CONSUMERS?.split(',');
  for (const service of Object.keys(INPUTS).filter((name) => !only || only.includes(name))) {
    const fn = functions.find((candidate) => candidate.serviceName === service);
    if (!fn) throw new Error(`the template has no ${service} function`);
    const sequential = loadHandler(fn, 1);
    const concurrent = loadHandler(fn, DEFAULT_CONSUMER_CONCURRENCY);
    await consume(service, concurrent, 'warm-up', BATCH_SIZE);
    const costs: Cost[] = [];
    const rates = await alternate(ROUNDS, {
      sequential: (round) => consume(service, sequential, `seq-${round}`, SEQUENTIAL_RECORDS),
      concurrent: async (round) => {
        const measure = startMeasuring(calls);
        const rate = await consume(service, concurrent, `conc-${round}`, CONCURRENT_RECORDS);
        costs.push(measure(CONCURRENT_RECORDS));
        return rate;
      },
    });
    const cost = {
      dynamodb: median(costs.map((each) => each.dynamodb)),
      kinesis: median(costs.map((each) => each.kinesis)),
      cpuMs: median(costs.map((each) => each.cpuMs)),
    };
    const serialMs = cost.dynamodb * AWS_LIKE_LATENCY.dynamoDbMs + cost.kinesis * AWS_LIKE_LATENCY.kinesisMs;
    const result: ConsumerFigures = {
      service,
      dynamoDbCallsPerRecord: Number(cost.dynamodb.toFixed(2)),
      kinesisCallsPerRecord: Number(cost.kinesis.toFixed(2)),
      cpuMsPerRecord: Number(cost.cpuMs.toFixed(2)),
      modelledPerSecond: Math.round(Math.min((DEFAULT_CONSUMER_CONCURRENCY * 1000) / serialMs, 1000 / cost.cpuMs)),
      sequentialPerSecond: Math.round(median(rates.sequential)),
      concurrentPerSecond: Math.round(median(rates.concurrent)),
      speedup: Number((median(rates.concurrent) / median(rates.sequential)).toFixed(1)),
      meetsGoal: median(rates.concurrent) >= 1000,
    };
    figures.push(result);
    console.log(
      `consumers ${service}: concurrency 1 ${result.sequentialPerSecond} rec/s, concurrency ` +
        `${DEFAULT_CONSUMER_CONCURRENCY} ${result.concurrentPerSecond} rec/s (x${result.speedup}; medians of ${ROUNDS} rounds); ` +
        `per record ${result.dynamoDbCallsPerRecord} DynamoDB + ${result.kinesisCallsPerRecord} Kinesis calls, ` +
        `${result.cpuMsPerRecord} ms CPU -> model ${result.modelledPerSecond} rec/s`,
    );
  }
  report.consumers = {
    latencyModel: AWS_LIKE_LATENCY,
    batchSize: BATCH_SIZE,
    concurrency: DEFAULT_CONSUMER_CONCURRENCY,
    rounds: ROUNDS,
    figures,
  };
}

interface Cost {
  readonly dynamodb: number;
  readonly kinesis: number;
  readonly cpuMs: number;
}

/** Starts counting SDK calls and this process's CPU; the returned function gives them per record. */
function startMeasuring(calls: { dynamodb: () => number; kinesis: () => number }): (records: number) => Cost {
  const before = { dynamodb: calls.dynamodb(), kinesis: calls.kinesis(), cpu: process.cpuUsage() };
  return (records) => {
    const cpu = process.cpuUsage(before.cpu);
    return {
      dynamodb: (calls.dynamodb() - before.dynamodb) / records,
      kinesis: (calls.kinesis() - before.kinesis) / records,
      cpuMs: (cpu.user + cpu.system) / 1000 / records,
    };
  };
}

/** The consumer's handler module from source, configured as deployed plus `concurrency`. */
function loadHandler(fn: LocalFunctionDefinition, concurrency: number): Handler {
  Object.assign(process.env, fn.environment, { ORDERSTREAM_CONSUMER_CONCURRENCY: String(concurrency) });
  delete process.env.EMAIL_OUTBOX_DIR;
  delete process.env.EMAIL_SENDER;
  const modulePath = require.resolve(resolve(__dirname, '..', 'lambdas', fn.serviceName, 'handler'));
  // A fresh module each time: the handler reads its configuration when it is loaded.
  delete require.cache[modulePath];
  const { handler } = require(modulePath) as { handler: Handler };
  delete process.env.ORDERSTREAM_CONSUMER_CONCURRENCY;
  return handler;
}

/** Feeds `records` fresh records to `handler` in batches of 100, one batch at a time; returns records/s. */
async function consume(service: string, handler: Handler, run: string, records: number): Promise<number> {
  const input = INPUTS[service]!;
  const envelopes = Array.from({ length: records }, (_, i) => input(`${service}-${run}-${i}-${process.pid}`, i));
  const context = aLambdaContext(`bench-${service}`);
  const start = process.hrtime.bigint();
  for (let i = 0; i < envelopes.length; i += BATCH_SIZE) {
    const response = await handler(aKinesisEvent(envelopes.slice(i, i + BATCH_SIZE)), context);
    if (response.batchItemFailures.length > 0) {
      throw new Error(`${service}: ${response.batchItemFailures.length} records failed in a benchmark batch`);
    }
  }
  return (records / Number(process.hrtime.bigint() - start)) * 1e9;
}
