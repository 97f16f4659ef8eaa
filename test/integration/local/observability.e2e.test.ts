import { DEMO_ORDER } from '../../../bin/local-app';
import type { SegmentDocument } from '../../../local/xray/segment-store';
import { http, putStock, startTestRuntime, type TestRuntime, waitForTerminal } from '../../helpers/local-runtime';

/**
 * Issue 20, end to end on the local runtime: X-Ray as deployed (the functions' own SDK segments
 * over the daemon's UDP protocol, Lambda's segments from the runtime), and the console's JSON.
 */
jest.setTimeout(180_000);

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
