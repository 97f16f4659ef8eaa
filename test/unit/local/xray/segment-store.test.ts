import { waterfallOf } from '../../../../local/console/waterfall';
import { parseDatagram } from '../../../../local/xray/daemon';
import { type SegmentDocument, SegmentStore } from '../../../../local/xray/segment-store';

const TRACE = '1-6b17407e-4b1a4c9e4f415efcf060d615';

/** A Lambda function segment and the subsegments its SDK streams on their own, as on AWS. */
function oneInvocation(traceId = TRACE): SegmentDocument[] {
  const fn = {
    id: 'f1',
    trace_id: traceId,
    name: 'Stack-Payment',
    origin: 'AWS::Lambda::Function',
    start_time: 100,
    end_time: 101,
  };
  const record = (id: string, orderId: string, start: number): SegmentDocument => ({
    id,
    trace_id: traceId,
    parent_id: 'f1',
    type: 'subsegment',
    name: '### PROCESS_PAYMENT',
    start_time: start,
    end_time: start + 0.2,
    annotations: { orderId },
  });
  const call: SegmentDocument = {
    id: 'c1',
    trace_id: traceId,
    parent_id: 'r1',
    type: 'subsegment',
    name: 'DynamoDB',
    namespace: 'aws',
    start_time: 100.1,
    end_time: 100.15,
    aws: { operation: 'PutItem' },
    fault: true,
    cause: { exceptions: [{ type: 'ProvisionedThroughputExceededException', message: 'slow down' }] },
  };
  return [call, record('r1', 'order-a', 100.05), record('r2', 'order-b', 100.3), fn];
}

describe('the local X-Ray segment store', () => {
  it('nests streamed subsegments under their parents, whatever order they arrived in', () => {
    const store = new SegmentStore();
    for (const document of oneInvocation()) store.put(document);

    const [segment, ...others] = store.segmentsOf(TRACE);

    expect(others).toEqual([]);
    expect(segment?.id).toBe('f1');
    expect(segment?.subsegments?.map((s) => s.id)).toEqual(['r1', 'r2']);
    expect(segment?.subsegments?.[0]?.subsegments?.map((s) => s.id)).toEqual(['c1']);
  });

  it('finds traces by annotation, keeps a later version of a document, and drops the oldest traces past its bound', () => {
    const store = new SegmentStore({ maxTraces: 2 });
    for (const traceId of ['1-a-1', '1-a-2', '1-a-3'])
      for (const document of oneInvocation(traceId)) store.put(document);
    store.put({ ...oneInvocation('1-a-3')[1]!, annotations: { orderId: 'order-c' } });

    expect(store.traceIdsAnnotated('orderId', 'order-a')).toEqual(['1-a-2']);
    expect(store.traceIdsAnnotated('orderId', 'order-c')).toEqual(['1-a-3']);
    expect([store.traceCount, store.dropped]).toEqual([2, 1]);
  });

  it('reads daemon datagrams: a JSON header line, then the document; anything else is refused', () => {
    const document = oneInvocation()[3]!;
    const datagram = (header: string) => Buffer.from(`${header}\n${JSON.stringify(document)}`);

    expect(parseDatagram(datagram('{"format":"json","version":1}'))).toEqual(document);
    expect(parseDatagram(datagram('{"format":"xml","version":1}'))).toBeUndefined();
    expect(parseDatagram(Buffer.from(JSON.stringify(document)))).toBeUndefined();
    expect(parseDatagram(Buffer.from('{"format":"json","version":1}\n{"id":"x"}'))).toBeUndefined();
  });
});

describe("an order's waterfall", () => {
  it("shows the order's rows on one axis from 0, without other orders' records, with faults and their cause", () => {
    const store = new SegmentStore();
    for (const document of oneInvocation()) store.put(document);

    const waterfall = waterfallOf(store, 'orderId', 'order-a');

    expect(waterfall.rows.map((r) => [r.name, r.depth, r.offsetMs, r.durationMs, r.kind])).toEqual([
      ['Stack-Payment', 0, 0, 1000, 'function'],
      ['### PROCESS_PAYMENT', 1, 50, 200, 'subsegment'],
      ['DynamoDB', 2, 100, 50, 'aws'],
    ]);
    expect(waterfall.rows[2]).toMatchObject({
      fault: true,
      operation: 'PutItem',
      cause: 'ProvisionedThroughputExceededException: slow down',
    });
    expect(waterfall.totalMs).toBe(1000);
  });
});
