import { alarmsFromTemplate } from '../../../../local/cloudwatch/alarm-definitions';
import { errorsAlarm, failedRecordsAlarm, templateWithAlarms } from './fixtures';

describe('alarmsFromTemplate', () => {
  it('resolves a single-metric alarm: name, ARN, metric, defaults and topic ARNs', () => {
    const [alarm] = alarmsFromTemplate(templateWithAlarms({ SagaErrors: errorsAlarm }));

    expect(alarm).toMatchObject({
      logicalId: 'SagaErrors',
      alarmName: 'Orderstream-local-SagaErrors',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:Orderstream-local-SagaErrors',
      description: 'saga errors',
      metrics: [
        {
          id: 'm1',
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensions: { FunctionName: 'Orderstream-local-SagaFunction' },
          stat: 'Sum',
          periodSeconds: 300,
        },
      ],
      statistic: { kind: 'Statistic', value: 'Sum' },
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 1,
      treatMissingData: 'notBreaching',
      alarmActions: ['arn:aws:sns:us-east-1:000000000000:Orderstream-local-AlarmTopic'],
      okActions: [],
      actionsEnabled: true,
    });
    expect(alarm?.expression).toBeUndefined();
  });

  it('uses AlarmName, ExtendedStatistic, DatapointsToAlarm, and TreatMissingData missing by default', () => {
    const { TreatMissingData: _omitted, Statistic: _statistic, ...rest } = errorsAlarm;
    const [alarm] = alarmsFromTemplate(
      templateWithAlarms({
        A: { ...rest, AlarmName: 'latency', ExtendedStatistic: 'p99', EvaluationPeriods: 5, DatapointsToAlarm: 3 },
      }),
    );

    expect(alarm).toMatchObject({
      alarmName: 'latency',
      statistic: { kind: 'ExtendedStatistic', value: 'p99' },
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: 'missing',
    });
  });

  it('reads a metric math alarm: every MetricStat, and the expression returned', () => {
    const [alarm] = alarmsFromTemplate(templateWithAlarms({ Failed: failedRecordsAlarm }));

    expect(alarm?.expression).toMatchObject({ id: 'expr_1', text: 'failed + poison' });
    expect(alarm?.metrics.map((metric) => [metric.id, metric.metricName, metric.dimensions])).toEqual([
      ['failed', 'FailedRecords', { service: 'saga' }],
      ['poison', 'PoisonRecords', { service: 'saga' }],
    ]);
    expect(alarm?.periodSeconds).toBe(300);
  });

  it.each([
    [{ ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' }, /anomaly detection bands are not/],
    [{ ComparisonOperator: 'GreaterThanUpperThreshold' }, /not emulated locally/],
    [{ Statistic: 'tm90' }, /statistic 'tm90' is not emulated/],
    [{ TreatMissingData: 'sometimes' }, /TreatMissingData sometimes/],
    [{ DatapointsToAlarm: 2 }, /exceeds EvaluationPeriods/],
  ])('rejects what it does not emulate, naming the alarm: %j', (override, message) => {
    expect(() => alarmsFromTemplate(templateWithAlarms({ Bad: { ...errorsAlarm, ...override } }))).toThrow(
      new RegExp(`alarm Bad: .*${message.source}`),
    );
  });

  it('rejects an unsupported metric math function and an expression reading an unknown id', () => {
    const withExpression = (expression: string) => ({
      ...failedRecordsAlarm,
      Metrics: [{ Expression: expression, Id: 'e', ReturnData: true }, ...failedRecordsAlarm.Metrics.slice(1)],
    });

    expect(() => alarmsFromTemplate(templateWithAlarms({ Bad: withExpression('RATE(failed)') }))).toThrow(
      /function RATE is not emulated locally/,
    );
    expect(() => alarmsFromTemplate(templateWithAlarms({ Bad: withExpression('failed + typo') }))).toThrow(
      /unknown ids: typo/,
    );
  });
});
