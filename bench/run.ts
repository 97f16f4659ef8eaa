/**
 * Benchmarks, run with `npm run bench` (all, ~6-8 minutes here) or `npm run bench -- <name>...`
 * (publish, consume, consumers, bundles, e2e). Machines here are shared and noisy, so each
 * benchmark runs its variants side by side in alternating rounds and reports medians and the
 * ratio to its baseline measured in the same run. Writes .tmp/bench/report.json (BENCH_REPORT).
 *
 * publish: KinesisEventPublisher (PutRecords, 100 per call) vs one PutRecord per event.
 *          Claim checked: batching is what makes publishing (and kinesis-mock) fast enough.
 * consume: the payment consumer (shared stream consumer + PaymentService + its DynamoDB ledger,
 *          the natural exactly-once guard) over 100-record batches of PROCESS_PAYMENT, vs the same
 *          consumer with the per-record Powertools idempotency it used to carry on top (an
 *          in-progress + completed record per eventId in DynamoDB Local). Shows what the second
 *          guard cost per record, which the consumers no longer pay.
 * consumers: every consumer's records/s per shard under an AWS-like latency model, concurrency 1
 *          vs the default (bench/consumers.ts).
 * bundles: each function's bundle size and module init time, bundle vs unbundled (bench/bundles.ts).
 * e2e:     orders/s POST -> COMPLETED on the local runtime, latency vs the emulator's delivery
 *          floor (bench/e2e.ts).
 */
import './quiet-env';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { DynamoDbOutcomeLedger } from '../lambdas/adapters/dynamodb-outcome-ledger';
import { KinesisEventPublisher } from '../lambdas/adapters/kinesis-event-publisher';
import { SimulatedPaymentGateway } from '../lambdas/adapters/simulated-payment-gateway';
import { deterministicEventId, type EventEnvelope } from '../lambdas/contract/envelope';
import { PaymentService } from '../lambdas/payment/payment-service';
import { SILENT_LOG } from '../lambdas/ports/log';
import { createStreamConsumer, type RecordHandlers } from '../lambdas/runtime/stream-consumer';
import { localDynamoDbClient, localKinesisClient } from '../local/clients';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type RunningEmulators, startEmulators } from '../local/emulators';
import { aKinesisEvent, aLambdaContext } from '../test/helpers/kinesis-events';
import { bundlesBenchmark } from './bundles';
import { consumersBenchmark } from './consumers';
import { e2eBenchmark } from './e2e';
import { alternate, median, newReport, type Report, writeReport } from './report';
import { type SynthesizedApp, synthesizeForBench } from './synthesized';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Variant {
  readonly name: string;
  /** Processes EVENTS events of round `round`. */
  run(round: number): Promise<void>;
}

/** Runs `slow` and `fast` in alternating order each round; prints per-round rates and the median ratio. */
async function compare(benchmark: string, fast: Variant, slow: Variant, report: Report): Promise<void> {
  const rateOf = (variant: Variant) => async (round: number) => {
    const start = process.hrtime.bigint();
    await variant.run(round);
    return (EVENTS / Number(process.hrtime.bigint() - start)) * 1e9;
  };
  const rates = await alternate(ROUNDS, { [fast.name]: rateOf(fast), [slow.name]: rateOf(slow) });
  const fastRates = rates[fast.name]!;
  const slowRates = rates[slow.name]!;
  fastRates.forEach((rate, round) => {
    console.log(
      `${benchmark} round ${round + 1}: ${fast.name} ${Math.round(rate)} ev/s, ${slow.name} ${Math.round(slowRates[round]!)} ev/s`,
    );
  });
  const ratio = median(fastRates.map((rate, round) => rate / slowRates[round]!));
  console.log(
    `${benchmark}: ${slow.name} takes x${ratio.toFixed(2)} the time of ${fast.name} (median of ${ROUNDS} rounds, ${EVENTS} events each)`,
  );
  report[benchmark] = {
    events: EVENTS,
    rounds: ROUNDS,
    [`${fast.name} ev/s`]: Math.round(median(fastRates)),
    [`${slow.name} ev/s`]: Math.round(median(slowRates)),
    ratio: Number(ratio.toFixed(2)),
  };
}

function events(variant: string, round: number, eventType = 'ORDER_CREATED'): EventEnvelope[] {
  return Array.from({ length: EVENTS }, (_, i) => {
    const eventId = deterministicEventId(variant, String(round), String(i), randomUUID());
    return {
      eventId,
      eventType,
      eventVersion: 1,
      occurredAt: new Date().toISOString(),
      orderId: `order-${i % 200}`,
      correlationId: eventId,
      causationId: eventId,
      payload: { n: i, pad: 'x'.repeat(200) },
    };
  });
}

async function publishBenchmark(emulators: RunningEmulators, report: Report): Promise<void> {
  const kinesis = localKinesisClient(emulators.kinesisEndpoint);
  await kinesis.send(new CreateStreamCommand({ StreamName: 'bench', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  while (
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'bench' }))).StreamDescriptionSummary
      ?.StreamStatus !== 'ACTIVE'
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const publisher = new KinesisEventPublisher({ client: kinesis, streamName: 'bench' });
  await compare(
    'publish',
    {
      name: 'PutRecords(100)',
      run: async (round) => {
        const data = events('batched', round);
        for (let i = 0; i < data.length; i += 100) await publisher.publish(data.slice(i, i + 100));
      },
    },
    {
      name: 'PutRecord',
      run: async (round) => {
        for (const event of events('single', round)) {
          await kinesis.send(
            new PutRecordCommand({
              StreamName: 'bench',
              PartitionKey: event.orderId,
              Data: Buffer.from(JSON.stringify(event)),
            }),
          );
        }
      },
    },
    report,
  );
  kinesis.destroy();
}

async function consumeBenchmark(emulators: RunningEmulators, report: Report): Promise<void> {
  const dynamodb = localDynamoDbClient(emulators.dynamoDbEndpoint);
  const table = (TableName: string, keys: string[]) =>
    dynamodb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      }),
    );
  await table('bench-idempotency', ['id']);
  await table('bench-ledger', ['orderId', 'entry']);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoDbEndpoint,
    AWS_LAMBDA_FUNCTION_NAME: 'bench-consumer',
  });
  // The payment consumer as deployed, minus the stream: its publish is a no-op, so the figure is the guard's cost.
  const payments = new PaymentService(
    new SimulatedPaymentGateway(),
    new DynamoDbOutcomeLedger(DynamoDBDocumentClient.from(dynamodb), 'bench-ledger'),
    { publish: async () => undefined },
    SILENT_LOG,
  );
  const natural: RecordHandlers = { PROCESS_PAYMENT: (event) => payments.processPayment(event) };
  // What every consumer used to wrap around its handler: Powertools idempotency keyed on eventId.
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'eventId', expiresAfterSeconds: 24 * 60 * 60 });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: 'bench-idempotency', awsSdkV3Client: dynamodb });
  const withIdempotency: RecordHandlers = {
    PROCESS_PAYMENT: makeIdempotent(natural.PROCESS_PAYMENT!, { persistenceStore, config }),
  };
  const registering =
    (handler: ReturnType<typeof createStreamConsumer>) => (event: KinesisStreamEvent, context: Context) => {
      config.registerLambdaContext(context);
      return handler(event, context);
    };

  const consumeWith =
    (
      handler: (event: KinesisStreamEvent, context: Context) => ReturnType<ReturnType<typeof createStreamConsumer>>,
      variant: string,
    ) =>
    async (round: number) => {
      const data = events(variant, round, 'PROCESS_PAYMENT').map((event, i) => ({
        ...event,
        orderId: `${variant}-${round}-${i}`,
        payload: { customerId: 'bench', amountCents: 1000, currency: 'EUR' },
      }));
      for (let i = 0; i < data.length; i += 100) {
        const response = await handler(aKinesisEvent(data.slice(i, i + 100)), aLambdaContext('bench-consumer'));
        if (response.batchItemFailures.length > 0) throw new Error('benchmark batch failed');
      }
    };
  await compare(
    'consume',
    {
      name: 'natural guard (ledger)',
      run: consumeWith(createStreamConsumer({ handlers: natural, faults: null }), 'natural'),
    },
    {
      name: 'ledger + per-record idempotency',
      run: consumeWith(registering(createStreamConsumer({ handlers: withIdempotency, faults: null })), 'twice'),
    },
    report,
  );
  dynamodb.destroy();
}

/** What a benchmark may need; each is made once, on first use. */
interface Needs {
  emulators(): Promise<RunningEmulators>;
  synthesized(): Promise<SynthesizedApp>;
  readonly report: Report;
}

const BENCHMARKS: Record<string, (needs: Needs) => Promise<void>> = {
  publish: async (needs) => publishBenchmark(await needs.emulators(), needs.report),
  consume: async (needs) => consumeBenchmark(await needs.emulators(), needs.report),
  consumers: async (needs) => consumersBenchmark(await needs.emulators(), await needs.synthesized(), needs.report),
  bundles: async (needs) => bundlesBenchmark(await needs.synthesized(), needs.report),
  // Last, on its own emulators: the bench's are stopped first, the runtime needs every core.
  e2e: async (needs) => e2eBenchmark(await needs.synthesized(), needs.report, stopEmulators),
};

const BENCH_DIR = resolve(__dirname, '..', '.tmp', 'bench');
let started: Promise<RunningEmulators> | undefined;
const stopEmulators = async (): Promise<void> => {
  const running = started;
  started = undefined;
  if (running) await (await running).stop();
};

async function main(): Promise<void> {
  const selected = process.argv.slice(2);
  const unknown = selected.filter((name) => !BENCHMARKS[name]);
  if (unknown.length > 0)
    throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const report = newReport();
  const reportPath = process.env.BENCH_REPORT ?? join(BENCH_DIR, 'report.json');
  let synthesized: ReturnType<Needs['synthesized']> | undefined;
  const needs: Needs = {
    report,
    emulators: () => {
      started ??= startEmulators();
      return started;
    },
    synthesized: () => {
      synthesized ??= synthesizeForBench(join(BENCH_DIR, 'cdk.out'));
      return synthesized;
    },
  };
  const t0 = Date.now();
  try {
    for (const name of selected.length > 0 ? selected : Object.keys(BENCHMARKS)) {
      const start = Date.now();
      await BENCHMARKS[name]!(needs);
      console.log(`(${name}: ${((Date.now() - start) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await stopEmulators();
    report.durationSeconds = Math.round((Date.now() - t0) / 1000);
    writeReport(report, reportPath);
    console.log(`report: ${reportPath} (${report.durationSeconds} s)`);
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
