import { type Datapoint, MetricStore } from '../../../../local/cloudwatch/metric-store';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 6, 12, 10, 0, 0);

function point(value: number, atMs: number, dimensions: Record<string, string> = { service: 'saga' }): Datapoint {
  return { namespace: 'orderstream', metricName: 'FailedRecords', dimensions, timestampMs: atMs, value };
}

function statsOf(store: MetricStore, stat: string, dimensions: Record<string, string> = { service: 'saga' }) {
  return store.statistics({
    namespace: 'orderstream',
    metricName: 'FailedRecords',
    dimensions,
    stat,
    periodMs: 5 * MINUTE,
    startMs: T0,
    endMs: T0 + 30 * MINUTE,
  });
}

describe('MetricStore statistics', () => {
  it('aggregates per period aligned to the period, returning only periods with data', () => {
    const store = new MetricStore();
    store.put([point(1, T0 + 10_000), point(3, T0 + 4 * MINUTE), point(5, T0 + 12 * MINUTE)]);

    expect(statsOf(store, 'Sum')).toEqual([
      { timestampMs: T0, value: 4 },
      { timestampMs: T0 + 10 * MINUTE, value: 5 },
    ]);
  });

  it('computes Sum, Average, Minimum, Maximum and SampleCount', () => {
    const store = new MetricStore();
    store.put([2, 4, 9].map((value, index) => point(value, T0 + index * 1000)));

    const value = (stat: string) => statsOf(store, stat)[0]?.value;
    expect([value('Sum'), value('Average'), value('Minimum'), value('Maximum'), value('SampleCount')]).toEqual([
      15, 5, 2, 9, 3,
    ]);
  });

  it('computes percentiles by nearest rank, with decimals (p99, p50, p99.9, p0, p100)', () => {
    const store = new MetricStore();
    store.put(Array.from({ length: 100 }, (_, index) => point(100 - index, T0 + index)));

    const value = (stat: string) => statsOf(store, stat)[0]?.value;
    expect(value('p99')).toBe(99);
    expect(value('p50')).toBe(50);
    expect(value('p99.9')).toBe(100);
    expect(value('p0')).toBe(1);
    expect(value('p100')).toBe(100);
  });

  it('rejects a statistic it does not emulate, naming it', () => {
    const store = new MetricStore();
    store.put(point(1, T0));

    expect(() => statsOf(store, 'tm99')).toThrow(/statistic 'tm99' is not emulated/);
    expect(() => statsOf(store, 'p101')).toThrow(/p101/);
  });

  it('matches dimensions exactly: a subset or a superset is another metric', () => {
    const store = new MetricStore();
    store.put([point(1, T0, { service: 'saga' }), point(10, T0, { service: 'saga', reason: 'X' }), point(100, T0, {})]);

    expect(statsOf(store, 'Sum', { service: 'saga' })).toEqual([{ timestampMs: T0, value: 1 }]);
    expect(statsOf(store, 'Sum', {})).toEqual([{ timestampMs: T0, value: 100 }]);
    expect(statsOf(store, 'Sum', { service: 'inventory' })).toEqual([]);
    expect(store.series()).toHaveLength(3);
  });

  it('excludes the end of the range and includes its start', () => {
    const store = new MetricStore();
    store.put([point(1, T0), point(2, T0 + 30 * MINUTE)]);

    expect(statsOf(store, 'Sum')).toEqual([{ timestampMs: T0, value: 1 }]);
  });

  it('drops the oldest datapoints beyond its capacity and counts them', () => {
    const store = new MetricStore({ capacity: 3 });
    store.put([point(1, T0), point(2, T0 + 1), point(3, T0 + 2, { service: 'other' }), point(4, T0 + 3)]);

    expect(store.size).toBe(3);
    expect(store.dropped).toBe(1);
    expect(statsOf(store, 'Sum')[0]?.value).toBe(6);
  });

  it('forgets a series once all its datapoints were dropped', () => {
    const store = new MetricStore({ capacity: 1 });
    store.put([point(1, T0, { service: 'a' }), point(2, T0, { service: 'b' })]);

    expect(store.series()).toEqual([
      { namespace: 'orderstream', metricName: 'FailedRecords', dimensions: { service: 'b' } },
    ]);
  });
});

describe('MetricStore search', () => {
  function cancelled(reason: string, service = 'saga'): Datapoint {
    return {
      namespace: 'orderstream',
      metricName: 'OrdersCancelled',
      dimensions: { service, reason },
      timestampMs: T0,
      value: 1,
    };
  }

  it('finds every series with exactly the schema dimensions and the metric name, labelled by dimension values', () => {
    const store = new MetricStore();
    store.put([cancelled('PAYMENT_DECLINED'), cancelled('STEP_TIMED_OUT'), cancelled('STEP_TIMED_OUT')]);
    store.put({ ...cancelled('OTHER'), dimensions: { service: 'saga' } });
    store.put({ ...cancelled('OTHER'), metricName: 'OrdersStarted' });

    const found = store.search('{orderstream,reason,service} MetricName="OrdersCancelled"', 'Sum', 5 * MINUTE, {
      startMs: T0,
      endMs: T0 + 5 * MINUTE,
    });

    expect(found.map(({ label, points }) => ({ label, points }))).toEqual([
      { label: 'PAYMENT_DECLINED saga', points: [{ timestampMs: T0, value: 1 }] },
      { label: 'STEP_TIMED_OUT saga', points: [{ timestampMs: T0, value: 2 }] },
    ]);
  });
});
