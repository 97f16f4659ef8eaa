import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alarmsFromTemplate } from '../../../../local/cloudwatch/alarm-definitions';
import { AlarmEvaluator } from '../../../../local/cloudwatch/alarm-evaluator';
import { lambdaInvocationMetrics } from '../../../../local/cloudwatch/aws-metrics';
import { MetricStore } from '../../../../local/cloudwatch/metric-store';
import { AlarmNotificationSink } from '../../../../local/cloudwatch/notifications';
import { errorsAlarm, failedRecordsAlarm, templateWithAlarms } from './fixtures';

const PERIOD = 1000; // 300-s alarms compressed to 1 s
const T0 = Date.UTC(2026, 6, 12, 10, 0, 0);
const FUNCTION = 'Orderstream-local-SagaFunction';

function setUp(alarms: Record<string, Record<string, unknown>>) {
  const dir = mkdtempSync(join(tmpdir(), 'orderstream-alarms-'));
  const store = new MetricStore();
  const sink = new AlarmNotificationSink({ dir });
  let nowMs = T0;
  const evaluator = new AlarmEvaluator({
    store,
    alarms: alarmsFromTemplate(templateWithAlarms(alarms)),
    now: () => nowMs,
    periodMs: PERIOD,
    onStateChange: (change) => sink.deliver(change),
  });
  const at = (ms: number) => {
    nowMs = T0 + ms;
  };
  const invoke = (failed: boolean) =>
    store.put(lambdaInvocationMetrics({ functionName: FUNCTION, timestampMs: nowMs, durationMs: 5, failed }));
  const notifications = () =>
    readFileSync(join(dir, 'Orderstream-local-AlarmTopic.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  return { dir, store, sink, evaluator, at, invoke, notifications };
}

describe('AlarmEvaluator', () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });

  it('starts every alarm in INSUFFICIENT_DATA, then goes ALARM and back to OK, notifying the topic on ALARM', () => {
    const { dir, evaluator, at, invoke, notifications } = setUp({ SagaErrors: errorsAlarm });
    dirs.push(dir);
    expect(evaluator.alarms()).toMatchObject([
      { name: 'Orderstream-local-SagaErrors', state: 'INSUFFICIENT_DATA', periodSeconds: 1 },
    ]);

    at(100);
    invoke(true);
    const toAlarm = evaluator.evaluate();
    at(1100);
    invoke(false);
    const toOk = evaluator.evaluate();

    expect(toAlarm.map((change) => [change.oldState, change.newState])).toEqual([['INSUFFICIENT_DATA', 'ALARM']]);
    expect(toOk.map((change) => [change.oldState, change.newState])).toEqual([['ALARM', 'OK']]);
    expect(evaluator.alarms()[0]).toMatchObject({ state: 'OK', updatedAt: new Date(T0 + 1100).toISOString() });
    // OK has no OKActions in the template: only the ALARM transition reaches the topic.
    const [notification, ...others] = notifications();
    expect(others).toEqual([]);
    expect(notification).toMatchObject({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:Orderstream-local-AlarmTopic',
      Subject: 'ALARM: "Orderstream-local-SagaErrors" in US East (N. Virginia)',
      Timestamp: new Date(T0 + 100).toISOString(),
    });
    expect(JSON.parse(notification.Message)).toEqual({
      AlarmName: 'Orderstream-local-SagaErrors',
      AlarmDescription: 'saga errors',
      AWSAccountId: '000000000000',
      AlarmConfigurationUpdatedTimestamp: '2026-07-12T10:00:00.000+0000',
      NewStateValue: 'ALARM',
      NewStateReason:
        'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/07/26 10:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
      StateChangeTime: '2026-07-12T10:00:00.100+0000',
      Region: 'US East (N. Virginia)',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:Orderstream-local-SagaErrors',
      OldStateValue: 'INSUFFICIENT_DATA',
      OKActions: [],
      AlarmActions: ['arn:aws:sns:us-east-1:000000000000:Orderstream-local-AlarmTopic'],
      InsufficientDataActions: [],
      Trigger: {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        StatisticType: 'Statistic',
        Statistic: 'SUM',
        Unit: null,
        Dimensions: [{ value: FUNCTION, name: 'FunctionName' }],
        Period: 300,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        EvaluateLowSampleCountPercentile: '',
      },
    });
  });

  it('keeps re-evaluating the last datapoints when the metric stops, then goes OK once they leave the range', () => {
    const { dir, evaluator, at, invoke } = setUp({ SagaErrors: errorsAlarm });
    dirs.push(dir);
    at(0);
    invoke(true);
    evaluator.evaluate();

    at(2500); // range = 1 + 2 periods: the error is still in it
    expect(evaluator.evaluate()).toEqual([]);
    at(3000); // no datapoint left: notBreaching
    const [change] = evaluator.evaluate();
    expect(change?.newState).toBe('OK');
    expect(change?.reason).toMatch(/no datapoints were received for 1 period/);
    expect(change?.topicArns).toEqual([]);
  });

  it('evaluates metric math on the sum of two series, sending the math Trigger', () => {
    const { dir, store, evaluator, at, sink } = setUp({ Failed: failedRecordsAlarm });
    dirs.push(dir);
    at(0);
    store.put({
      namespace: 'orderstream',
      metricName: 'PoisonRecords',
      dimensions: { service: 'saga' },
      timestampMs: T0,
      value: 1,
    });

    const [change] = evaluator.evaluate();

    expect(change?.newState).toBe('ALARM');
    expect(change?.message.Trigger).toMatchObject({
      Metrics: [
        { Expression: 'failed + poison', Id: 'expr_1', ReturnData: true },
        { Id: 'failed', MetricStat: { Metric: { MetricName: 'FailedRecords' }, Stat: 'Sum', Period: 300 } },
        { Id: 'poison', MetricStat: { Metric: { MetricName: 'PoisonRecords' } } },
      ],
      Threshold: 1,
    });
    expect(sink.recent()).toHaveLength(1);
    expect(evaluator.alarms()[0]?.metric).toBe(
      'failed + poison (failed: orderstream FailedRecords {service=saga} Sum; poison: orderstream PoisonRecords {service=saga} Sum)',
    );
  });

  it('goes to INSUFFICIENT_DATA without data when missing data is "missing", and keeps its state when "ignore"', () => {
    const { TreatMissingData: _omitted, ...missingByDefault } = errorsAlarm;
    const { dir, evaluator, at, invoke } = setUp({
      Missing: missingByDefault,
      Ignore: { ...errorsAlarm, TreatMissingData: 'ignore' },
    });
    dirs.push(dir);
    at(0);
    invoke(false);
    evaluator.evaluate();
    expect(evaluator.alarms().map((alarm) => alarm.state)).toEqual(['OK', 'OK']);

    at(10_000);
    const changes = evaluator.evaluate();

    expect(changes.map((change) => [change.alarm.logicalId, change.newState])).toEqual([
      ['Missing', 'INSUFFICIENT_DATA'],
    ]);
    expect(evaluator.alarms().map((alarm) => alarm.state)).toEqual(['INSUFFICIENT_DATA', 'OK']);
  });

  it('uses the alarm’s own period without compression', () => {
    const store = new MetricStore();
    const evaluator = new AlarmEvaluator({
      store,
      alarms: alarmsFromTemplate(templateWithAlarms({ SagaErrors: errorsAlarm })),
      now: () => T0 + 250_000,
    });
    store.put(
      lambdaInvocationMetrics({ functionName: FUNCTION, timestampMs: T0 + 10_000, durationMs: 1, failed: true }),
    );

    expect(evaluator.evaluate()[0]?.reason).toContain('[1.0 (12/07/26 10:00:00)]');
    expect(evaluator.alarms()[0]?.periodSeconds).toBe(300);
  });

  it('evaluates periodically between start() and stop()', () => {
    jest.useFakeTimers();
    try {
      const store = new MetricStore();
      const evaluator = new AlarmEvaluator({
        store,
        alarms: alarmsFromTemplate(templateWithAlarms({ SagaErrors: errorsAlarm })),
        periodMs: PERIOD,
      });
      const evaluate = jest.spyOn(evaluator, 'evaluate');
      evaluator.start({ everyMs: 500 });
      jest.advanceTimersByTime(1600);
      evaluator.stop();
      jest.advanceTimersByTime(1600);
      expect(evaluate).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
