import type PRICES from './prices.json';

/**
 * Capacity and cost of the order stream, as a pure calculation (no I/O): shards needed in
 * provisioned mode, what on-demand mode must absorb, and a monthly cost of both modes with
 * the Lambda consumers and DynamoDB requests that go with the load.
 *
 * Shard limits: 1,000 records/s and 1 MiB/s written per shard; 2 MiB/s read per shard shared
 * by all standard (GetRecords) consumers; 2 MiB/s per shard for EACH enhanced fan-out
 * consumer, which therefore never binds (a shard cannot take in more than 1 MiB/s). The shard
 * count is the ceiling of the largest ratio, with no shard added "for safety" (the seed
 * article's `int(x) + 1` gives 2 shards for exactly 1,000 records/s): safety is `headroom`.
 */

export type Prices = typeof PRICES;

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const SHARD_RECORDS_PER_SECOND = 1_000;
const SHARD_WRITE_MIB_PER_SECOND = 1;
const SHARD_SHARED_READ_MIB_PER_SECOND = 2;
const EFO_READ_MIB_PER_SECOND = 2;
const FREE_RETENTION_HOURS = 24;
const EXTENDED_RETENTION_HOURS = 168;
/** A new on-demand stream takes this much at once; beyond it, up to double its previous 30-day peak. */
const ON_DEMAND_INITIAL_MIB_PER_SECOND = 4;
const ON_DEMAND_INITIAL_RECORDS_PER_SECOND = 4_000;

/** The load, either from orders (records and bytes measured from the real flow) or given directly. */
export interface Workload {
  readonly recordsPerSecond: number;
  /** Average bytes per record as Kinesis counts them: data + partition key. */
  readonly recordBytes: number;
  /** Set when the load was given as orders: adds the API and DynamoDB costs. */
  readonly orders?: { readonly perSecond: number; readonly recordsPerOrder: number };
}

export interface CapacityOptions {
  /** Enhanced fan-out consumers (each a Lambda reading every record). */
  readonly efoConsumers: number;
  /** Standard consumers sharing a shard's 2 MiB/s read. @default 0 */
  readonly standardConsumers?: number;
  /** Stream retention, 24..8760 h. @default 24 */
  readonly retentionHours?: number;
  /** Extra capacity on top of the load when sizing shards, in percent. @default 0 */
  readonly headroomPercent?: number;
}

/** How long the consumers run (from the bench's durations file or the documented default). */
export interface LambdaProfile {
  readonly source: string;
  readonly memoryMb: number;
  readonly recordsPerInvocation: number;
  readonly msPerInvocation: number;
  readonly msPerRecord: number;
  readonly apiMsPerRequest: number;
}

export interface DynamoDbProfile {
  readonly source: string;
  readonly readRequestUnitsPerOrder: number;
  readonly writeRequestUnitsPerOrder: number;
}

export interface CapacityPlan {
  readonly ingress: { readonly recordsPerSecond: number; readonly mibPerSecond: number };
  /** What each consumer reads (every consumer reads every record). */
  readonly egressPerConsumerMibPerSecond: number;
  readonly egressTotalMibPerSecond: number;
  /** Each ratio with headroom applied; the shard count is the ceiling of the largest. */
  readonly shardsBy: { readonly records: number; readonly bytes: number; readonly standardEgress: number };
  readonly provisionedShards: number;
  /** What the seed article's formula would give, for comparison. */
  readonly seedArticleShards: number;
  readonly provisionedCapacity: {
    readonly writeRecordsPerSecond: number;
    readonly writeMibPerSecond: number;
    readonly readMibPerSecondPerEfoConsumer: number;
  };
  readonly onDemand: {
    readonly writeMibPerSecond: number;
    readonly writeRecordsPerSecond: number;
    /** True when a new on-demand stream takes the load at once (4 MiB/s, 4,000 records/s). */
    readonly withinNewStreamCapacity: boolean;
  };
  readonly monthlyCostUsd: {
    readonly onDemand: number;
    readonly provisioned: number;
    readonly kinesisOnDemand: Readonly<Record<string, number>>;
    readonly kinesisProvisioned: Readonly<Record<string, number>>;
    readonly lambda: Readonly<Record<string, number>>;
    readonly dynamodb: Readonly<Record<string, number>>;
    readonly apiGateway: Readonly<Record<string, number>>;
  };
}

export function planCapacity(
  workload: Workload,
  options: CapacityOptions,
  prices: Prices,
  lambda: LambdaProfile,
  dynamodb: DynamoDbProfile,
): CapacityPlan {
  validate(workload, options);
  const standardConsumers = options.standardConsumers ?? 0;
  const consumers = options.efoConsumers + standardConsumers;
  const retentionHours = options.retentionHours ?? FREE_RETENTION_HOURS;
  const headroom = 1 + (options.headroomPercent ?? 0) / 100;

  const recordsPerSecond = workload.recordsPerSecond;
  const mibPerSecond = (recordsPerSecond * workload.recordBytes) / MIB;
  const shardsBy = {
    records: (recordsPerSecond * headroom) / SHARD_RECORDS_PER_SECOND,
    bytes: (mibPerSecond * headroom) / SHARD_WRITE_MIB_PER_SECOND,
    standardEgress: (standardConsumers * mibPerSecond * headroom) / SHARD_SHARED_READ_MIB_PER_SECOND,
  };
  const provisionedShards = Math.max(1, ceil(Math.max(shardsBy.records, shardsBy.bytes, shardsBy.standardEgress)));
  const seedArticleShards =
    Math.floor(Math.max(recordsPerSecond / 1000, (recordsPerSecond * (workload.recordBytes / 1024)) / 1024)) + 1;

  const seconds = prices.hoursPerMonth * 3600;
  const hours = prices.hoursPerMonth;
  const records = recordsPerSecond * seconds;
  const gib = (records * workload.recordBytes) / GIB;
  const gibPerHour = gib / hours;

  const p = prices.kinesis.provisioned;
  const putUnitsPerRecord = Math.ceil(workload.recordBytes / p.putPayloadUnitBytes);
  const kinesisProvisioned = {
    shardHours: provisionedShards * hours * p.shardHour,
    putPayloadUnits: ((records * putUnitsPerRecord) / 1e6) * p.putPayloadUnitsPerMillion,
    extendedRetention:
      retentionHours > FREE_RETENTION_HOURS ? provisionedShards * hours * p.extendedRetentionShardHour : 0,
    longTermRetention: gibPerHour * Math.max(0, retentionHours - EXTENDED_RETENTION_HOURS) * p.longTermRetentionGbMonth,
    efoConsumerShardHours: options.efoConsumers * provisionedShards * hours * p.efoConsumerShardHour,
    efoDataRetrieval: options.efoConsumers * gib * p.efoDataRetrievalPerGb,
  };

  const o = prices.kinesis.onDemand;
  // On-demand bills every record rounded up to whole KiB, in and out.
  const billedGib = (records * Math.ceil(workload.recordBytes / o.billedRecordRoundingBytes) * 1024) / GIB;
  const billedGibPerHour = billedGib / hours;
  const kinesisOnDemand = {
    streamHours: hours * o.streamHour,
    dataIn: billedGib * o.dataInPerGb,
    standardDataOut: standardConsumers * billedGib * o.dataOutPerGb,
    efoDataRetrieval: options.efoConsumers * billedGib * o.efoDataRetrievalPerGb,
    extendedRetention:
      billedGibPerHour *
      Math.max(0, Math.min(retentionHours, EXTENDED_RETENTION_HOURS) - FREE_RETENTION_HOURS) *
      o.extendedRetentionGbMonth,
    longTermRetention:
      billedGibPerHour * Math.max(0, retentionHours - EXTENDED_RETENTION_HOURS) * o.longTermRetentionGbMonth,
  };

  // Every consumer function is invoked for every record, in batches.
  const gb = lambda.memoryMb / 1024;
  const consumerInvocations = (consumers * records) / lambda.recordsPerInvocation;
  const consumerSeconds =
    (consumerInvocations * (lambda.msPerInvocation + lambda.recordsPerInvocation * lambda.msPerRecord)) / 1000;
  const orders = workload.orders ? workload.orders.perSecond * seconds : 0;
  const lambdaCost = {
    consumerRequests: (consumerInvocations / 1e6) * prices.lambda.requestsPerMillion,
    consumerCompute: consumerSeconds * gb * prices.lambda.gbSecond,
    apiRequests: (orders / 1e6) * prices.lambda.requestsPerMillion,
    apiCompute: ((orders * lambda.apiMsPerRequest) / 1000) * gb * prices.lambda.gbSecond,
  };
  const dynamodbCost = {
    writes: ((orders * dynamodb.writeRequestUnitsPerOrder) / 1e6) * prices.dynamodb.writeRequestUnitsPerMillion,
    reads: ((orders * dynamodb.readRequestUnitsPerOrder) / 1e6) * prices.dynamodb.readRequestUnitsPerMillion,
  };
  const apiGateway = { requests: (orders / 1e6) * prices.apiGateway.httpApiRequestsPerMillion };
  const shared = sum(lambdaCost) + sum(dynamodbCost) + sum(apiGateway);

  return {
    ingress: { recordsPerSecond, mibPerSecond },
    egressPerConsumerMibPerSecond: mibPerSecond,
    egressTotalMibPerSecond: consumers * mibPerSecond,
    shardsBy,
    provisionedShards,
    seedArticleShards,
    provisionedCapacity: {
      writeRecordsPerSecond: provisionedShards * SHARD_RECORDS_PER_SECOND,
      writeMibPerSecond: provisionedShards * SHARD_WRITE_MIB_PER_SECOND,
      readMibPerSecondPerEfoConsumer: provisionedShards * EFO_READ_MIB_PER_SECOND,
    },
    onDemand: {
      writeMibPerSecond: mibPerSecond * headroom,
      writeRecordsPerSecond: recordsPerSecond * headroom,
      withinNewStreamCapacity:
        mibPerSecond * headroom <= ON_DEMAND_INITIAL_MIB_PER_SECOND &&
        recordsPerSecond * headroom <= ON_DEMAND_INITIAL_RECORDS_PER_SECOND,
    },
    monthlyCostUsd: {
      onDemand: cents(sum(kinesisOnDemand) + shared),
      provisioned: cents(sum(kinesisProvisioned) + shared),
      kinesisOnDemand: roundAll(kinesisOnDemand),
      kinesisProvisioned: roundAll(kinesisProvisioned),
      lambda: roundAll(lambdaCost),
      dynamodb: roundAll(dynamodbCost),
      apiGateway: roundAll(apiGateway),
    },
  };
}

/** Ceiling that ignores floating-point dust: 1.0000000000000002 shards is 1 shard. */
function ceil(value: number): number {
  return Math.ceil(value - 1e-9);
}

function sum(costs: Record<string, number>): number {
  return Object.values(costs).reduce((total, cost) => total + cost, 0);
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

function roundAll(costs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(costs).map(([name, cost]) => [name, cents(cost)]));
}

function validate(workload: Workload, options: CapacityOptions): void {
  const check = (name: string, value: number, ok: boolean) => {
    if (!Number.isFinite(value) || !ok) throw new RangeError(`${name} is out of range: ${value}`);
  };
  check('records per second', workload.recordsPerSecond, workload.recordsPerSecond > 0);
  check('record bytes', workload.recordBytes, workload.recordBytes > 0 && workload.recordBytes <= MIB);
  check('EFO consumers', options.efoConsumers, Number.isInteger(options.efoConsumers) && options.efoConsumers >= 0);
  const standard = options.standardConsumers ?? 0;
  check('standard consumers', standard, Number.isInteger(standard) && standard >= 0);
  const retention = options.retentionHours ?? FREE_RETENTION_HOURS;
  check('retention hours', retention, retention >= 24 && retention <= 8760);
  const headroom = options.headroomPercent ?? 0;
  check('headroom percent', headroom, headroom >= 0);
}
