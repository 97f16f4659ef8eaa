import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricsFromEmfLine } from '../../../../local/cloudwatch/emf';

const T0 = Date.UTC(2026, 6, 12, 10, 0, 0);

describe('metricsFromEmfLine', () => {
  it('reads the line Powertools prints, single metric with its extra dimension included', () => {
    const metrics = new Metrics({ namespace: 'orderstream', serviceName: 'saga' });
    metrics.setTimestamp(T0);
    metrics.addMetric('OrdersStarted', MetricUnit.Count, 1);
    const line = JSON.stringify(metrics.serializeMetrics());

    expect(metricsFromEmfLine(line)).toEqual([
      {
        namespace: 'orderstream',
        metricName: 'OrdersStarted',
        dimensions: { service: 'saga' },
        timestampMs: T0,
        value: 1,
        unit: 'Count',
      },
    ]);
  });

  it('emits every metric once per dimension set, and an array value as several datapoints', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: T0,
        CloudWatchMetrics: [
          {
            Namespace: 'orderstream',
            Dimensions: [['service'], ['service', 'reason']],
            Metrics: [{ Name: 'OrdersCancelled', Unit: 'Count' }, { Name: 'Latency' }],
          },
        ],
      },
      service: 'saga',
      reason: 'STEP_TIMED_OUT',
      OrdersCancelled: 1,
      Latency: [12, 30],
    });

    const points = metricsFromEmfLine(line) ?? [];

    expect(points.map((p) => [p.metricName, p.dimensions, p.value])).toEqual([
      ['OrdersCancelled', { service: 'saga' }, 1],
      ['OrdersCancelled', { service: 'saga', reason: 'STEP_TIMED_OUT' }, 1],
      ['Latency', { service: 'saga' }, 12],
      ['Latency', { service: 'saga' }, 30],
      ['Latency', { service: 'saga', reason: 'STEP_TIMED_OUT' }, 12],
      ['Latency', { service: 'saga', reason: 'STEP_TIMED_OUT' }, 30],
    ]);
  });

  it('publishes a metric without dimensions when no dimension set is declared', () => {
    const line = JSON.stringify({
      _aws: { Timestamp: T0, CloudWatchMetrics: [{ Namespace: 'ns', Dimensions: [], Metrics: [{ Name: 'M' }] }] },
      M: 2,
    });

    expect(metricsFromEmfLine(line)).toEqual([
      { namespace: 'ns', metricName: 'M', dimensions: {}, timestampMs: T0, value: 2 },
    ]);
  });

  it('skips a dimension set naming a missing member, and values that are not numbers', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: T0,
        CloudWatchMetrics: [
          { Namespace: 'ns', Dimensions: [['absent'], ['service']], Metrics: [{ Name: 'A' }, { Name: 'B' }] },
        ],
      },
      service: 'saga',
      A: 'seven',
      B: [1, 'x', null, 2],
    });

    expect((metricsFromEmfLine(line) ?? []).map((p) => [p.metricName, p.value])).toEqual([
      ['B', 1],
      ['B', 2],
    ]);
  });

  it('uses the arrival time when the line has no Timestamp', () => {
    const line = JSON.stringify({
      _aws: { CloudWatchMetrics: [{ Namespace: 'ns', Dimensions: [[]], Metrics: [{ Name: 'M' }] }] },
      M: 1,
    });

    expect(metricsFromEmfLine(line, T0)?.[0]?.timestampMs).toBe(T0);
  });

  it.each([
    ['plain text', 'START RequestId: 1 Version: $LATEST'],
    ['a structured log line', JSON.stringify({ level: 'INFO', message: 'hello' })],
    ['broken JSON', '{"_aws": {'],
    [
      'a prefixed EMF line (not extracted by CloudWatch Logs)',
      `INFO\t${JSON.stringify({ _aws: { CloudWatchMetrics: [] } })}`,
    ],
    ['_aws without directives', JSON.stringify({ _aws: { Timestamp: 1 } })],
    ['an array', '[{"_aws": {}}]'],
  ])('returns undefined for %s', (_case, line) => {
    expect(metricsFromEmfLine(line)).toBeUndefined();
  });

  it('returns no datapoints (but recognizes EMF) for malformed directives', () => {
    const line = JSON.stringify({
      _aws: { CloudWatchMetrics: [null, { Namespace: 3 }, { Namespace: 'ns', Metrics: 'x' }] },
    });

    expect(metricsFromEmfLine(line)).toEqual([]);
  });
});
