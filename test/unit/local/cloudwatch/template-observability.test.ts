import { alarmsFromTemplate } from '../../../../local/cloudwatch/alarm-definitions';
import { AlarmEvaluator } from '../../../../local/cloudwatch/alarm-evaluator';
import { describeUnwatched, unwatchedAlarmMetrics } from '../../../../local/cloudwatch/coverage';
import { dashboardsFromTemplate, widgetData } from '../../../../local/cloudwatch/dashboard';
import { MetricStore } from '../../../../local/cloudwatch/metric-store';
import { LocalTemplate } from '../../../../local/template';
import { useSynthesizedApp } from '../../../helpers/local-synth';
import { context } from './fixtures';

const T0 = Date.UTC(2026, 6, 12, 10, 0, 0);

/** The synthesized stack's alarms and dashboard, read by the local CloudWatch modules. */
describe('the synthesized template', () => {
  const synth = useSynthesizedApp();
  const template = () => LocalTemplate.fromFile(synth().templatePath, context);

  it('parses all 21 alarms, each on the alarm topic', () => {
    const alarms = alarmsFromTemplate(template());

    expect(alarms).toHaveLength(21);
    const topic = 'arn:aws:sns:us-east-1:000000000000:';
    expect(alarms.every((alarm) => alarm.alarmActions.length === 1 && alarm.alarmActions[0]?.startsWith(topic))).toBe(
      true,
    );
    expect(alarms.filter((alarm) => alarm.expression !== undefined)).toHaveLength(6);
  });

  it('evaluates every alarm without error, all INSUFFICIENT_DATA → OK with no data (notBreaching)', () => {
    const evaluator = new AlarmEvaluator({
      store: new MetricStore(),
      alarms: alarmsFromTemplate(template()),
      now: () => T0,
    });

    evaluator.evaluate();

    const statuses = evaluator.alarms();
    expect(statuses.filter((status) => status.error !== undefined)).toEqual([]);
    expect(new Set(statuses.map((status) => status.state))).toEqual(new Set(['OK']));
  });

  it('parses the dashboard and computes every widget without error', () => {
    const [dashboard, ...others] = dashboardsFromTemplate(template());

    expect(others).toEqual([]);
    expect(dashboard?.widgets.length).toBeGreaterThan(0);
    const search = dashboard?.widgets
      .flatMap((widget) => widget.metrics)
      .find((row) => row.kind === 'expression' && row.expression.startsWith('SEARCH('));
    expect(search).toBeDefined();
    for (const widget of dashboard?.widgets ?? []) {
      expect(() => widgetData(widget, new MetricStore(), { nowMs: T0, rangeMs: 3_600_000 })).not.toThrow();
    }
  });

  describe('unwatchedAlarmMetrics', () => {
    /** A store holding exactly the metrics the alarms read, as if everything emitted them. */
    function storeEmittingAlarmMetrics(
      rename: (metricName: string, dimensions: Record<string, string>) => [string, Record<string, string>],
    ) {
      const store = new MetricStore();
      for (const alarm of alarmsFromTemplate(template())) {
        for (const metric of alarm.metrics) {
          const [metricName, dimensions] = rename(metric.metricName, { ...metric.dimensions });
          store.put({ namespace: metric.namespace, metricName, dimensions, timestampMs: T0, value: 0 });
        }
      }
      return store;
    }

    it('flags nothing when every alarm metric is emitted', () => {
      const store = storeEmittingAlarmMetrics((name, dimensions) => [name, dimensions]);

      expect(describeUnwatched(unwatchedAlarmMetrics(alarmsFromTemplate(template()), store))).toBe('');
    });

    it('flags an alarm whose metric name is misspelt (what is emitted differs)', () => {
      const store = storeEmittingAlarmMetrics((name, dimensions) => [
        name === 'SagaStepsTimedOut' ? 'SagaStepTimedOut' : name,
        dimensions,
      ]);

      const unwatched = unwatchedAlarmMetrics(alarmsFromTemplate(template()), store);

      expect(unwatched.map((entry) => [entry.alarmName, entry.metricName])).toEqual([
        ['Orderstream-local-SagaStepsTimedOutAlarm', 'SagaStepsTimedOut'],
      ]);
    });

    it('flags each MetricStat of a math alarm whose dimension is misspelt, with the dimensions seen', () => {
      const store = storeEmittingAlarmMetrics((name, dimensions) =>
        name === 'PoisonRecords' && dimensions.service === 'payment'
          ? [name, { Service: 'payment' }]
          : [name, dimensions],
      );

      const unwatched = unwatchedAlarmMetrics(alarmsFromTemplate(template()), store);

      expect(unwatched).toHaveLength(1);
      expect(unwatched[0]).toMatchObject({ metricName: 'PoisonRecords', dimensions: { service: 'payment' } });
      expect(unwatched[0]?.emittedWithDimensions).toContainEqual({ Service: 'payment' });
      expect(describeUnwatched(unwatched)).toMatch(
        /PaymentFailedRecordsAlarm.*: orderstream PoisonRecords \{service=payment\} is never emitted \(emitted with .*"Service":"payment"/,
      );
    });
  });
});
