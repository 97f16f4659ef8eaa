import {
  type DynamoDbProfile,
  type LambdaProfile,
  planCapacity,
  type Workload,
} from '../../../../lambdas/ops/capacity';
import { orderWorkload } from '../../../../lambdas/ops/order-flow';
import prices from '../../../../lambdas/ops/prices.json';

/** Round numbers so hand calculations stay readable: 1 GB, 100 records per invocation, 1 ms per record. */
const lambda: LambdaProfile = {
  source: 'test',
  memoryMb: 1024,
  recordsPerInvocation: 100,
  msPerInvocation: 0,
  msPerRecord: 1,
  apiMsPerRequest: 50,
};
const dynamodb: DynamoDbProfile = { source: 'test', readRequestUnitsPerOrder: 10, writeRequestUnitsPerOrder: 20 };

const shards = (workload: Workload, standardConsumers = 0, headroomPercent = 0) =>
  planCapacity(workload, { efoConsumers: 0, standardConsumers, headroomPercent }, prices, lambda, dynamodb);

/** Seconds in the 730-hour month of prices.json. */
const MONTH = 730 * 3600;

describe('planCapacity: shards', () => {
  it.each([
    // records/s, bytes, shards, the seed article's int(x)+1
    [1000, 1024, 1, 2], // exactly 1,000 records/s (0.98 MiB/s): one shard
    [2000, 512, 2, 3], // exactly 2,000 records/s
    [512, 2048, 1, 2], // exactly 1 MiB/s
    [1024, 2048, 2, 3], // exactly 2 MiB/s
    [1001, 100, 2, 2], // just over a shard's records
    [998, 1050, 1, 1], // 0.9994 MiB/s: both agree below a whole shard
    [3000, 1024, 3, 4],
  ])(
    '%i records/s of %i bytes need %i shard(s) (the article says %i)',
    (recordsPerSecond, recordBytes, expected, article) => {
      const plan = shards({ recordsPerSecond, recordBytes });
      expect(plan.provisionedShards).toBe(expected);
      expect(plan.seedArticleShards).toBe(article);
    },
  );

  it('counts egress where standard consumers share a shard’s 2 MiB/s', () => {
    // exactly 1 MiB/s in; 3 standard consumers read 3 MiB/s: 1.5 -> 2 shards; 4 read exactly 4 MiB/s: 2 shards
    const oneMib = { recordsPerSecond: 512, recordBytes: 2048 };
    expect(shards(oneMib, 1).provisionedShards).toBe(1);
    expect(shards(oneMib, 3).provisionedShards).toBe(2);
    expect(shards(oneMib, 4).provisionedShards).toBe(2);
    expect(shards(oneMib, 5).provisionedShards).toBe(3);
  });

  it('never lets enhanced fan-out consumers add shards (2 MiB/s each, per shard)', () => {
    const plan = planCapacity(
      { recordsPerSecond: 512, recordBytes: 2048 },
      { efoConsumers: 20 },
      prices,
      lambda,
      dynamodb,
    );
    expect(plan.provisionedShards).toBe(1);
    expect(plan.egressPerConsumerMibPerSecond).toBe(1);
    expect(plan.egressTotalMibPerSecond).toBe(20);
  });

  it('adds headroom before taking the ceiling', () => {
    expect(shards({ recordsPerSecond: 1000, recordBytes: 100 }, 0, 0).provisionedShards).toBe(1);
    expect(shards({ recordsPerSecond: 1000, recordBytes: 100 }, 0, 10).provisionedShards).toBe(2);
    expect(shards({ recordsPerSecond: 500, recordBytes: 100 }, 0, 100).provisionedShards).toBe(1); // exactly 1,000
  });

  it('says whether a new on-demand stream takes the load at once', () => {
    expect(shards({ recordsPerSecond: 4000, recordBytes: 1024 }).onDemand.withinNewStreamCapacity).toBe(true);
    expect(shards({ recordsPerSecond: 4001, recordBytes: 100 }).onDemand.withinNewStreamCapacity).toBe(false);
  });

  it('refuses input out of range', () => {
    expect(() => shards({ recordsPerSecond: 0, recordBytes: 1 })).toThrow(/records per second/);
    expect(() =>
      planCapacity(
        { recordsPerSecond: 1, recordBytes: 1 },
        { efoConsumers: 1, retentionHours: 12 },
        prices,
        lambda,
        dynamodb,
      ),
    ).toThrow(/retention hours/);
  });
});

describe('planCapacity: monthly cost', () => {
  // 1,000 records/s of 1 KiB for 730 h: 2.628e9 records, 2,628,000,000 KiB = 2506.2561 GiB
  const records = 1000 * MONTH;
  const gib = (records * 1024) / 1024 ** 3;

  it('prices both modes by hand: 1,000 records/s of 1 KiB, 2 EFO consumers, 24 h', () => {
    const plan = planCapacity(
      { recordsPerSecond: 1000, recordBytes: 1024 },
      { efoConsumers: 2 },
      prices,
      lambda,
      dynamodb,
    );
    const cost = plan.monthlyCostUsd;

    // provisioned: 1 shard x 730 h x 0.015; 2.628e9 PUT units x 0.014/M; 2 x 730 x 0.015; 2 x GiB x 0.013
    expect(cost.kinesisProvisioned).toEqual({
      shardHours: 10.95,
      putPayloadUnits: 36.79,
      extendedRetention: 0,
      longTermRetention: 0,
      efoConsumerShardHours: 21.9,
      efoDataRetrieval: 65.16,
    });
    // on-demand: 730 x 0.04; GiB x 0.08; 2 x GiB x 0.05
    expect(cost.kinesisOnDemand).toEqual({
      streamHours: 29.2,
      dataIn: 200.5,
      standardDataOut: 0,
      efoDataRetrieval: 250.63,
      extendedRetention: 0,
      longTermRetention: 0,
    });
    // Lambda: 2 consumers x 2.628e9 / 100 = 5.256e7 invocations x 0.20/M; 5.256e7 x 0.1 s x 1 GB x 0.0000133334
    expect(cost.lambda).toEqual({ consumerRequests: 10.51, consumerCompute: 70.08, apiRequests: 0, apiCompute: 0 });
    expect(cost.dynamodb).toEqual({ writes: 0, reads: 0 });

    const lambdaTotal = (5.256e7 / 1e6) * 0.2 + 5.256e6 * 0.0000133334;
    const provisioned = 10.95 + 2628 * 0.014 + 21.9 + 2 * gib * 0.013 + lambdaTotal;
    const onDemand = 29.2 + gib * 0.08 + 2 * gib * 0.05 + lambdaTotal;
    expect(cost.provisioned).toBeCloseTo(provisioned, 2);
    expect(cost.onDemand).toBeCloseTo(onDemand, 2);
    expect(cost.provisioned).toBe(215.4);
  });

  it('rounds each record up to a whole KiB on demand, and to 25 KiB PUT units provisioned', () => {
    // 100 records/s of 1,500 bytes: billed as 2 KiB on demand, 1 PUT unit provisioned
    const plan = planCapacity(
      { recordsPerSecond: 100, recordBytes: 1500 },
      { efoConsumers: 0 },
      prices,
      lambda,
      dynamodb,
    );
    const billedGib = (100 * MONTH * 2048) / 1024 ** 3;
    expect(plan.monthlyCostUsd.kinesisOnDemand.dataIn).toBeCloseTo(billedGib * 0.08, 2);
    expect(plan.monthlyCostUsd.kinesisProvisioned.putPayloadUnits).toBeCloseTo(((100 * MONTH) / 1e6) * 0.014, 2);
  });

  it('charges retention past 24 h: shard hours provisioned, GiB-months on demand, long-term past 7 days', () => {
    const plan = planCapacity(
      { recordsPerSecond: 1000, recordBytes: 1024 },
      { efoConsumers: 0, retentionHours: 240 },
      prices,
      lambda,
      dynamodb,
    );
    const gibPerHour = gib / 730;
    expect(plan.monthlyCostUsd.kinesisProvisioned.extendedRetention).toBe(14.6); // 730 x 0.02
    expect(plan.monthlyCostUsd.kinesisProvisioned.longTermRetention).toBeCloseTo(gibPerHour * 72 * 0.023, 2);
    expect(plan.monthlyCostUsd.kinesisOnDemand.extendedRetention).toBeCloseTo(gibPerHour * 144 * 0.1, 2);
  });

  it('adds the API and DynamoDB requests when the load is given as orders', () => {
    const plan = planCapacity(
      { recordsPerSecond: 80, recordBytes: 500, orders: { perSecond: 10, recordsPerOrder: 8 } },
      { efoConsumers: 6 },
      prices,
      lambda,
      dynamodb,
    );
    const orders = 10 * MONTH; // 26,280,000
    expect(plan.monthlyCostUsd.dynamodb).toEqual({
      writes: Math.round(((orders * 20) / 1e6) * 0.625 * 100) / 100, // 328.5
      reads: Math.round(((orders * 10) / 1e6) * 0.125 * 100) / 100, // 32.85
    });
    expect(plan.monthlyCostUsd.apiGateway.requests).toBe(26.28);
    expect(plan.monthlyCostUsd.lambda.apiRequests).toBe(5.26);
  });
});

describe('orderWorkload', () => {
  it('counts the records of the real happy path and measures their serialized size', async () => {
    const workload = await orderWorkload(10);
    expect(workload.recordTypes).toEqual([
      'ORDER_CREATED',
      'RESERVE_INVENTORY',
      'INVENTORY_RESERVED',
      'PROCESS_PAYMENT',
      'PAYMENT_PROCESSED',
      'SHIP_ORDER',
      'ORDER_SHIPPED',
      'ORDER_COMPLETED',
    ]);
    expect(workload.recordsPerSecond).toBe(80);
    // real envelopes with a two-line order are a few hundred bytes each
    expect(workload.recordBytes).toBeGreaterThan(300);
    expect(workload.recordBytes).toBeLessThan(1024);
  });
});
