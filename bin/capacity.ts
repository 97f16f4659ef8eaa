#!/usr/bin/env node
/**
 * Shards and monthly cost of the order stream for a load:
 *
 *   npm run capacity -- --orders-per-second 100 [--consumers 6] [--retention-hours 24] [--headroom 20] [--json]
 *   npm run capacity -- --records-per-second 1000 --record-bytes 1024 ...
 *
 * With --orders-per-second, records per order and bytes per record are measured on the real
 * happy path (lambdas/ops/order-flow.ts). Prices: lambdas/ops/prices.json. Lambda durations: the file
 * given with --durations (default .orderstream/bench/durations.json when present), else the
 * documented defaults of lambdas/ops/capacity-defaults.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CapacityPlan, type LambdaProfile, planCapacity, type Workload } from '../lambdas/ops/capacity';
import defaults from '../lambdas/ops/capacity-defaults.json';
import { orderWorkload } from '../lambdas/ops/order-flow';
import prices from '../lambdas/ops/prices.json';
import { CONSUMER_SERVICES } from '../lib/services';

const DEFAULT_DURATIONS_FILE = '.orderstream/bench/durations.json';
const USAGE =
  'usage: npm run capacity -- (--orders-per-second N | --records-per-second N --record-bytes B)\n' +
  `         [--consumers C (EFO, default ${CONSUMER_SERVICES.length})] [--standard-consumers S (default 0)]\n` +
  '         [--retention-hours H (default 24)] [--headroom P (percent, default 0)] [--durations FILE] [--json]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'orders-per-second': { type: 'string' },
      'records-per-second': { type: 'string' },
      'record-bytes': { type: 'string' },
      consumers: { type: 'string' },
      'standard-consumers': { type: 'string' },
      'retention-hours': { type: 'string' },
      headroom: { type: 'string' },
      durations: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const byOrders = values['orders-per-second'] !== undefined;
  const byRecords = values['records-per-second'] !== undefined || values['record-bytes'] !== undefined;
  if (byOrders === byRecords || (byRecords && (!values['records-per-second'] || !values['record-bytes']))) {
    throw new UsageError('give either --orders-per-second, or both --records-per-second and --record-bytes');
  }
  const flow = byOrders ? await orderWorkload(number(values, 'orders-per-second')) : undefined;
  const workload: Workload = flow ?? {
    recordsPerSecond: number(values, 'records-per-second'),
    recordBytes: number(values, 'record-bytes'),
  };
  const lambda = lambdaProfile(values.durations);
  const plan = planCapacity(
    workload,
    {
      efoConsumers: number(values, 'consumers', CONSUMER_SERVICES.length),
      standardConsumers: number(values, 'standard-consumers', 0),
      retentionHours: number(values, 'retention-hours', 24),
      headroomPercent: number(values, 'headroom', 0),
    },
    prices,
    lambda,
    defaults.dynamodb,
  );
  if (values.json) {
    console.log(
      JSON.stringify({
        workload: { ...workload, ...(flow ? { recordTypes: flow.recordTypes } : {}) },
        ...plan,
        prices: { region: prices.region, asOf: prices.asOf, hoursPerMonth: prices.hoursPerMonth },
        lambdaDurations: lambda.source,
        dynamodbRequests: workload.orders ? defaults.dynamodb.source : 'not counted (load given as records)',
      }),
    );
    return;
  }
  printReport(workload, plan, lambda, flow?.recordTypes);
}

function printReport(workload: Workload, plan: CapacityPlan, lambda: LambdaProfile, recordTypes?: string[]): void {
  const f = (value: number, digits = 3) => value.toFixed(digits);
  const usd = (value: number) => `$${value.toFixed(2)}`.padStart(12);
  const { orders } = workload;
  if (orders && recordTypes) {
    console.log(
      `Load:        ${orders.perSecond} orders/s x ${orders.recordsPerOrder} records (${recordTypes.join(', ')})`,
    );
    console.log(
      `             = ${f(workload.recordsPerSecond, 0)} records/s of ${f(workload.recordBytes, 0)} bytes (measured)`,
    );
  }
  console.log(`Ingress:     ${f(plan.ingress.recordsPerSecond, 0)} records/s, ${f(plan.ingress.mibPerSecond)} MiB/s`);
  console.log(
    `Egress:      ${f(plan.egressPerConsumerMibPerSecond)} MiB/s per consumer, ${f(plan.egressTotalMibPerSecond)} MiB/s in all`,
  );
  const by = plan.shardsBy;
  console.log(
    `Provisioned: ${plan.provisionedShards} shard(s) = ceil(max(records ${f(by.records)}, MiB ${f(by.bytes)}, ` +
      `standard egress ${f(by.standardEgress)})); the seed article's int(x)+1 says ${plan.seedArticleShards}`,
  );
  const capacity = plan.provisionedCapacity;
  console.log(
    `             takes ${capacity.writeRecordsPerSecond} records/s and ${capacity.writeMibPerSecond} MiB/s in, ` +
      `${capacity.readMibPerSecondPerEfoConsumer} MiB/s out per enhanced fan-out consumer`,
  );
  console.log(
    `On-demand:   must absorb ${f(plan.onDemand.writeMibPerSecond)} MiB/s and ${f(plan.onDemand.writeRecordsPerSecond, 0)} records/s: ` +
      (plan.onDemand.withinNewStreamCapacity
        ? 'a new stream takes that at once (4 MiB/s, 4,000 records/s)'
        : 'more than a new stream takes at once (4 MiB/s, 4,000 records/s); it adapts to double its 30-day peak, so ramp up or start provisioned'),
  );
  const cost = plan.monthlyCostUsd;
  const total = (costs: Readonly<Record<string, number>>) => Object.values(costs).reduce((a, b) => a + b, 0);
  console.log(`\nMonthly cost (${prices.region}, prices of ${prices.asOf}, ${prices.hoursPerMonth} h):`);
  console.log(`${''.padEnd(14)}${'on-demand'.padStart(12)}${'provisioned'.padStart(12)}`);
  console.log(`${'Kinesis'.padEnd(14)}${usd(total(cost.kinesisOnDemand))}${usd(total(cost.kinesisProvisioned))}`);
  for (const [name, costs] of [
    ['Lambda', cost.lambda],
    ['DynamoDB', cost.dynamodb],
    ['API Gateway', cost.apiGateway],
  ] as const) {
    console.log(`${name.padEnd(14)}${usd(total(costs))}${usd(total(costs))}`);
  }
  console.log(`${'Total'.padEnd(14)}${usd(cost.onDemand)}${usd(cost.provisioned)}`);
  console.log(`\nKinesis on-demand:   ${breakdown(cost.kinesisOnDemand)}`);
  console.log(`Kinesis provisioned: ${breakdown(cost.kinesisProvisioned)}`);
  console.log(`Lambda durations: ${lambda.source}`);
  console.log(
    orders
      ? `DynamoDB requests: ${defaults.dynamodb.source}`
      : 'DynamoDB, API: not counted (load given as records; use --orders-per-second)',
  );
}

function breakdown(costs: Readonly<Record<string, number>>): string {
  return Object.entries(costs)
    .filter(([, cost]) => cost > 0)
    .map(([name, cost]) => `${name} $${cost.toFixed(2)}`)
    .join(', ');
}

/** The bench's durations file when there is one, else the documented defaults. */
function lambdaProfile(file: string | undefined): LambdaProfile {
  const path = file ?? (existsSync(DEFAULT_DURATIONS_FILE) ? DEFAULT_DURATIONS_FILE : undefined);
  if (!path) return defaults.lambda;
  const measured = JSON.parse(readFileSync(path, 'utf8')) as Partial<LambdaProfile>;
  return { ...defaults.lambda, ...measured, source: `${path}${measured.source ? ` (${measured.source})` : ''}` };
}

class UsageError extends Error {}

function number(values: Record<string, unknown>, name: string, fallback?: number): number {
  const raw = values[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

main().catch((error: Error) => {
  console.error(`capacity: ${error.message}`);
  if (error instanceof UsageError) console.error(USAGE);
  process.exitCode = 2;
});
