import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DEMO_ORDER } from '../../../bin/local-app';
import { shardOf } from '../../../lambdas/adapters/dynamodb-saga-repository';
import { describeUnwatched, unwatchedAlarmMetrics } from '../../../local/cloudwatch/coverage';
import { notificationsDirOf } from '../../../local/local-cloudwatch';
import type { SegmentDocument } from '../../../local/xray/segment-store';
import {
  http,
  putStock,
  startTestRuntime,
  type TestRuntime,
  waitFor,
  waitForTerminal,
} from '../../helpers/local-runtime';

/**
 * Issue 20, end to end on the local runtime: X-Ray as deployed (the functions' own SDK segments
 * over the daemon's UDP protocol, Lambda's segments from the runtime), and the console's JSON.
 */
jest.setTimeout(300_000);

type TracesAnswer = { traceIds: string[]; segments: SegmentDocument[] };
type Timeline = { records: { type?: string; handlings: { consumer: string; outcome: string; traceId?: string }[] }[] };
type Waterfall = { rows: { name: string; kind: string; traceId: string; fault: boolean; offsetMs: number }[] };

/** Every (sub)segment of a segment document, itself included. */
function documentsOf(segment: SegmentDocument): SegmentDocument[] {
  return [segment, ...(segment.subsegments ?? []).flatMap(documentsOf)];
}

/** The function (service name) whose Lambda function segment heads each trace of the answer. */
function functionOfTrace(h: TestRuntime, segments: readonly SegmentDocument[]): Map<string, string> {
  const services = new Map(h.runtime.functions.definitions.map((fn) => [fn.functionName, fn.serviceName]));
  const byTrace = new Map<string, string>();
  for (const segment of segments) {
    if (segment.origin === 'AWS::Lambda::Function' && segment.trace_id) {
      byTrace.set(segment.trace_id, services.get(segment.name) ?? segment.name);
    }
  }
  return byTrace;
}

describe('one order, one waterfall (X-Ray locally as deployed)', () => {
  let h: TestRuntime;

  beforeAll(async () => {
    h = await startTestRuntime();
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('leaves segments from every function on the order path, each carrying its orderId, on one time axis', async () => {
    // Prepare
    const sku = DEMO_ORDER.items[0]!.sku;
    await putStock(h, sku, 10, 1250);
    const placed = await http<{ orderId: string }>(h, 'POST', '/orders', DEMO_ORDER);
    expect(placed.status).toBe(202);
    const { orderId } = placed.body;
    expect((await waitForTerminal(h, orderId)).status).toBe('COMPLETED');
    await h.runtime.idle({ timeoutMs: 30_000 });

    // Act
    const traces = await http<TracesAnswer>(h, 'GET', `/_console/api/traces?orderId=${orderId}`);
    const waterfall = await http<Waterfall>(h, 'GET', `/_console/api/waterfall?key=${orderId}`);
    const timeline = await http<Timeline>(h, 'GET', `/_console/api/timeline?key=${orderId}`);

    // Assess: X-Ray segment documents, a Lambda function segment per trace, the orderId annotated in each
    expect(traces.status).toBe(200);
    const functions = functionOfTrace(h, traces.body.segments);
    expect(new Set(functions.keys())).toEqual(new Set(traces.body.traceIds));
    const annotatedIn = new Set<string>();
    for (const segment of traces.body.segments) {
      for (const document of documentsOf(segment)) {
        if (document.annotations?.orderId === orderId) annotatedIn.add(functions.get(segment.trace_id ?? '') ?? '?');
      }
    }
    const onThePath = ['api', 'saga', 'inventory', 'payment', 'shipping', 'email', 'projector'];
    expect([...annotatedIn].sort()).toEqual(onThePath.sort());
    // the functions' own calls are in the traces, as the X-Ray SDK records them
    const awsCalls = traces.body.segments.flatMap(documentsOf).filter((d) => d.namespace === 'aws');
    expect(new Set(awsCalls.map((d) => d.name))).toEqual(new Set(['DynamoDB', 'Kinesis']));
    // one waterfall: every trace on one axis starting at 0, Lambda's segments and the SDK's
    expect(new Set(waterfall.body.rows.map((r) => r.traceId))).toEqual(new Set(traces.body.traceIds));
    expect(Math.min(...waterfall.body.rows.map((r) => r.offsetMs))).toBe(0);
    expect(new Set(waterfall.body.rows.map((r) => r.kind))).toEqual(
      new Set(['lambda', 'function', 'aws', 'subsegment']),
    );
    expect(waterfall.body.rows.some((r) => r.fault)).toBe(false);
    // the timeline tells handled from skipped: payment only skips ORDER_CREATED, the saga handles it
    const created = timeline.body.records.find((r) => r.type === 'ORDER_CREATED');
    const outcomeOf = (consumer: string) => created?.handlings.find((x) => x.consumer === consumer)?.outcome;
    expect(outcomeOf('payment')).toBe('skipped');
    expect(outcomeOf('saga')).toBe('handled');
    expect(outcomeOf('projector')).toBe('handled');
    const charge = timeline.body.records.find((r) => r.type === 'PROCESS_PAYMENT');
    expect(charge?.handlings.find((x) => x.consumer === 'payment')?.outcome).toBe('handled');
    expect(charge?.handlings.find((x) => x.consumer === 'inventory')?.outcome).toBe('skipped');
  });

  it('answers a traces query without exactly one annotation with a problem', async () => {
    const none = await http(h, 'GET', '/_console/api/traces');
    const two = await http(h, 'GET', '/_console/api/traces?orderId=a&correlationId=b');

    expect([none.status, none.contentType, two.status]).toEqual([400, 'application/problem+json', 400]);
  });
});

type Alarms = { alarms: { name: string; logicalId: string; state: string; reason: string }[] };

/** The alarms whose logical id starts with `prefix`, by state. */
async function alarmStates(h: TestRuntime, prefix: string): Promise<Map<string, string>> {
  const answer = await http<Alarms>(h, 'GET', '/_console/api/alarms');
  return new Map(answer.body.alarms.filter((a) => a.logicalId.startsWith(prefix)).map((a) => [a.logicalId, a.state]));
}

/** Every SNS notification the runtime wrote, parsed (topic file by topic file). */
function notifications(h: TestRuntime): { AlarmName: string; NewStateValue: string }[] {
  const dir = notificationsDirOf(h.dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((file) =>
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(JSON.parse(line).Message as string) as { AlarmName: string; NewStateValue: string }),
  );
}

describe("the stack's alarms, evaluated locally on what the functions and AWS emit", () => {
  let h: TestRuntime;
  const METRIC_PERIOD_MS = 2_000;

  beforeAll(async () => {
    h = await startTestRuntime({
      overrides: {
        // consumers fail 30% of record attempts; the mappings' retries see nearly all of them through
        synthContext: { faultInjectionRate: '0.3', sagaStepTimeoutSeconds: '10', sagaMaxRedrives: '0' },
        metricPeriodMs: METRIC_PERIOD_MS,
        scheduleEveryMs: 1_000,
      },
    });
  }, 180_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('drives a consumer failed-records alarm to ALARM under injected faults and back to OK once they stop', async () => {
    // Prepare
    const sku = `OBS-${randomUUID().slice(0, 8)}`;
    await putStock(h, sku, 1_000, 700);
    const before = await alarmStates(h, 'Payment');
    // Act: orders under faults, then quiet
    const orderIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      // as a client would: a 503 (Retry-After) is retried with the same idempotency key
      const key = randomUUID();
      let placed = await http<{ orderId: string }>(
        h,
        'POST',
        '/orders',
        { ...DEMO_ORDER, items: [{ sku, quantity: 1 }] },
        { 'idempotency-key': key },
      );
      for (let retry = 0; placed.status === 503 && retry < 5; retry++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        placed = await http<{ orderId: string }>(
          h,
          'POST',
          '/orders',
          { ...DEMO_ORDER, items: [{ sku, quantity: 1 }] },
          { 'idempotency-key': key },
        );
      }
      expect([placed.status, placed.body]).toEqual([202, expect.objectContaining({ orderId: expect.any(String) })]);
      orderIds.push(placed.body.orderId);
    }
    const alarmed = await waitFor(
      h,
      'a failed-records alarm in ALARM',
      async () => {
        const states = await alarmStates(h, '');
        return [...states].find(([id, state]) => id.includes('FailedRecordsAlarm') && state === 'ALARM')?.[0];
      },
      { timeoutMs: 60_000 },
    );
    // every record is through (delivered, or sent to the on-failure folder after its retries)
    await h.runtime.idle({ timeoutMs: 150_000 });
    const recovered = await waitFor(
      h,
      `${alarmed} back to OK`,
      async () => ((await alarmStates(h, ''))?.get(alarmed) === 'OK' ? true : undefined),
      { timeoutMs: 30_000 },
    );

    // Assess
    // no data yet with TreatMissingData notBreaching: not in ALARM before the faults
    expect(before.get([...before.keys()].find((id) => id.includes('FailedRecords')) ?? '')).not.toBe('ALARM');
    expect(recovered).toBe(true);
    const alarmName = (await http<Alarms>(h, 'GET', '/_console/api/alarms')).body.alarms.find(
      (a) => a.logicalId === alarmed,
    )?.name;
    const sent = notifications(h)
      .filter((n) => n.AlarmName === alarmName)
      .map((n) => n.NewStateValue);
    // the alarm's actions are AlarmActions only (no OKActions): the way back to OK notifies no one
    expect(sent).toContain('ALARM');
    expect(sent).not.toContain('OK');
    // a failing record's segment carries the fault, with the injected error as its cause
    const faulted = faultedRecordSegments(h);
    expect(faulted.length).toBeGreaterThan(0);
    expect(JSON.stringify(faulted[0]?.cause)).toContain('InjectedFault');
  });

  it('drives the timed-out-steps alarm to ALARM when a saga step is never answered', async () => {
    // Prepare: a saga whose inventory step was sent and never answered (its deadline long past)
    const orderId = randomUUID();
    await h.documents.send(
      new PutCommand({
        TableName: h.tables.saga,
        Item: {
          orderId,
          correlationId: orderId,
          order: {
            customerId: DEMO_ORDER.customerId,
            email: DEMO_ORDER.email,
            items: [{ sku: 'OBS-STALLED', quantity: 1, unitPriceCents: 700 }],
            totalCents: 700,
            currency: 'USD',
            shippingAddress: DEMO_ORDER.shippingAddress,
          },
          createdAt: new Date(Date.now() - 120_000).toISOString(),
          updatedAt: new Date(Date.now() - 120_000).toISOString(),
          version: 1,
          phase: 'RESERVING',
          inventoryReserved: false,
          cancelRequested: false,
          compensations: {},
          journal: [],
          redrives: 0,
          deadlineAt: new Date(Date.now() - 60_000).toISOString(),
          deadlineShard: shardOf(orderId),
        },
      }),
    );

    // Act: the sweeper finds it, the saga times the step out
    const state = await waitFor(
      h,
      'SagaStepsTimedOutAlarm in ALARM',
      async () =>
        (await alarmStates(h, 'SagaStepsTimedOut')).get('SagaStepsTimedOutAlarm') === 'ALARM' ? 'ALARM' : undefined,
      { timeoutMs: 60_000 },
    );

    // Assess
    expect(state).toBe('ALARM');
    const { Item } = await h.documents.send(new GetCommand({ TableName: h.tables.saga, Key: { orderId } }));
    expect(Item?.timedOutStep).toBe('RESERVING');
  });

  it('has every alarm watch a metric that something emits locally (exact name and dimensions)', async () => {
    // Prepare: a poison record, so every consumer emits PoisonRecords too
    await h.kinesis.send(
      new PutRecordCommand({
        StreamName: h.streamName,
        PartitionKey: `poison-${randomUUID()}`,
        Data: Buffer.from('{'),
      }),
    );
    const cloudwatch = h.runtime.cloudwatch;

    // Act
    const unwatched = await waitFor(
      h,
      'every alarm metric emitted',
      async () => {
        const missing = unwatchedAlarmMetrics(cloudwatch.alarmDefinitions, cloudwatch.metrics);
        return missing.length === 0 ? missing : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch(() => unwatchedAlarmMetrics(cloudwatch.alarmDefinitions, cloudwatch.metrics));

    // Assess
    expect(cloudwatch.alarmDefinitions.length).toBeGreaterThanOrEqual(21);
    expect(describeUnwatched(unwatched)).toBe('');
  });
});

/** Record subsegments (`### <eventType>`) that recorded a fault, across every trace of the run. */
function faultedRecordSegments(h: TestRuntime): SegmentDocument[] {
  const store = h.runtime.traces;
  const out: SegmentDocument[] = [];
  for (const traceId of new Set(traceIdsOfAnyOrder(h))) {
    for (const { document } of store.flattened(traceId)) {
      if (document.name.startsWith('### ') && document.fault === true) out.push(document);
    }
  }
  return out;
}

function traceIdsOfAnyOrder(h: TestRuntime): string[] {
  const orderIds = new Set(h.deliveries.map((d) => d.orderId).filter((id) => id !== ''));
  return [...orderIds].flatMap((orderId) => h.runtime.traces.traceIdsAnnotated('orderId', orderId));
}
