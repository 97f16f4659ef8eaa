import {
  type DashboardWidget,
  expandMetricRows,
  parseDashboardBody,
  widgetData,
} from '../../../../local/cloudwatch/dashboard';
import { MetricStore } from '../../../../local/cloudwatch/metric-store';

const T0 = Date.UTC(2026, 6, 12, 10, 0, 0);
const MINUTE = 60_000;

function widgetOf(metrics: unknown[], properties: Record<string, unknown> = {}): DashboardWidget {
  const body = {
    widgets: [{ type: 'metric', x: 0, y: 0, width: 12, height: 6, properties: { metrics, ...properties } }],
  };
  const [widget] = parseDashboardBody(JSON.stringify(body)).widgets;
  if (!widget) throw new Error('no widget');
  return widget;
}

describe('dashboard metrics rows', () => {
  it('expands "." (same item as the row above) and "..." (the rest of the row above)', () => {
    const rows = expandMetricRows([
      ['AWS/EC2', 'CPUUtilization', 'InstanceId', 'i-1', { period: 60 }],
      ['...', 'i-2'],
      ['AWS/EBS', 'VolumeReadBytes', 'VolumeId', 'vol-1'],
      ['.', 'VolumeWriteBytes', '.', '.', { stat: 'Sum' }],
    ]);

    expect(rows).toEqual([
      { items: ['AWS/EC2', 'CPUUtilization', 'InstanceId', 'i-1'], options: { period: 60 } },
      { items: ['AWS/EC2', 'CPUUtilization', 'InstanceId', 'i-2'], options: {} },
      { items: ['AWS/EBS', 'VolumeReadBytes', 'VolumeId', 'vol-1'], options: {} },
      { items: ['AWS/EBS', 'VolumeWriteBytes', 'VolumeId', 'vol-1'], options: { stat: 'Sum' } },
    ]);
  });

  it('normalizes rows: dimensions, stat and period from the widget unless the row sets them, ids, visibility', () => {
    const widget = widgetOf(
      [
        [{ expression: 'a + b', label: 'total' }],
        ['orderstream', 'FailedRecords', 'service', 'saga', { id: 'a', visible: false }],
        ['orderstream', 'PoisonRecords', 'service', 'saga', { id: 'b', stat: 'Maximum', label: 'poison' }],
      ],
      { stat: 'Sum', period: 60, title: 'Records', view: 'timeSeries' },
    );

    expect(widget).toMatchObject({
      type: 'metric',
      title: 'Records',
      view: 'timeSeries',
      stat: 'Sum',
      periodSeconds: 60,
    });
    expect(widget.metrics).toEqual([
      { kind: 'expression', id: 'e1', expression: 'a + b', label: 'total', periodSeconds: 60, visible: true },
      {
        kind: 'metric',
        id: 'a',
        namespace: 'orderstream',
        metricName: 'FailedRecords',
        dimensions: { service: 'saga' },
        stat: 'Sum',
        periodSeconds: 60,
        label: 'FailedRecords',
        visible: false,
      },
      expect.objectContaining({ id: 'b', stat: 'Maximum', label: 'poison', visible: true }),
    ]);
  });

  it('rejects an expression using a function it does not emulate', () => {
    expect(() => widgetOf([[{ expression: 'ANOMALY_DETECTION_BAND(m1)' }]])).toThrow(/not emulated locally/);
  });
});

describe('widgetData', () => {
  const store = new MetricStore();
  const put = (metricName: string, dimensions: Record<string, string>, value: number, atMs: number) =>
    store.put({ namespace: 'orderstream', metricName, dimensions, timestampMs: atMs, value });
  put('FailedRecords', { service: 'saga' }, 2, T0 + 10_000);
  put('PoisonRecords', { service: 'saga' }, 1, T0 + 6 * MINUTE);
  put('OrdersCancelled', { service: 'saga', reason: 'STEP_TIMED_OUT' }, 1, T0);
  put('OrdersCancelled', { service: 'saga', reason: 'PAYMENT_DECLINED' }, 1, T0 + 5 * MINUTE);
  const range = { nowMs: T0 + 9 * MINUTE, rangeMs: 15 * MINUTE };

  it('draws visible rows only, with metric math over hidden rows', () => {
    const widget = widgetOf(
      [
        [{ expression: 'failed + poison', label: 'saga' }],
        ['orderstream', 'FailedRecords', 'service', 'saga', { id: 'failed', visible: false, stat: 'Sum' }],
        ['orderstream', 'PoisonRecords', 'service', 'saga', { id: 'poison', visible: false, stat: 'Sum' }],
      ],
      { period: 300 },
    );

    expect(widgetData(widget, store, range)).toEqual([
      {
        label: 'saga',
        points: [
          { t: T0, v: 2 },
          { t: T0 + 5 * MINUTE, v: 1 },
        ],
      },
    ]);
  });

  it('expands a SEARCH row into one series per metric found, labelled by the row label and dimension values', () => {
    const widget = widgetOf([
      [
        {
          label: 'cancelled',
          expression: `SEARCH('{orderstream,reason,service} MetricName="OrdersCancelled"', 'Sum', 300)`,
        },
      ],
    ]);

    expect(widgetData(widget, store, range)).toEqual([
      { label: 'cancelled PAYMENT_DECLINED saga', points: [{ t: T0 + 5 * MINUTE, v: 1 }] },
      { label: 'cancelled STEP_TIMED_OUT saga', points: [{ t: T0, v: 1 }] },
    ]);
  });

  it('compresses periods when asked', () => {
    const widget = widgetOf([['orderstream', 'FailedRecords', 'service', 'saga', { stat: 'Sum' }]]);

    expect(widgetData(widget, store, { ...range, periodMs: MINUTE })[0]?.points).toEqual([{ t: T0, v: 2 }]);
  });
});
