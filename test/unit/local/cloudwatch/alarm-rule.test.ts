import type { TreatMissingData } from '../../../../local/cloudwatch/alarm-definitions';
import { type EvaluationRule, evaluateRange, formatTimestamp } from '../../../../local/cloudwatch/alarm-rule';

const PERIOD = 300_000;
const T0 = Date.UTC(2026, 6, 12, 10, 0, 0);

/** "0 - X - X", oldest first: 0 within the threshold, X breaching, - missing (the docs' notation). */
function range(pattern: string) {
  return pattern.split(' ').map((symbol, index) => ({
    timestampMs: T0 + index * PERIOD,
    value: symbol === '-' ? undefined : symbol === 'X' ? 5 : 0,
  }));
}

function rule(datapointsToAlarm: number, treatMissingData: TreatMissingData): EvaluationRule {
  return {
    evaluationPeriods: 3,
    datapointsToAlarm,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData,
  };
}

const RETAIN = undefined;

/**
 * The two tables of "How alarm state is evaluated when data is missing"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):
 * 5 periods retrieved, columns MISSING, IGNORE, BREACHING, NOT BREACHING.
 */
describe.each([
  [
    3,
    [
      ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
      ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
      ['- - - - -', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
      ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['- - - - X', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
      ['X - - - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
    ],
  ],
  [
    2,
    [
      ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
      ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
      ['- - - - X', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
    ],
  ],
] as const)('%i out of 3 datapoints, 5 periods retrieved', (datapointsToAlarm, rows) => {
  it.each(rows)('%s → missing %s, ignore %s, breaching %s, notBreaching %s', (pattern, ...expected) => {
    const modes: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
    const states = modes.map((mode) => evaluateRange(range(pattern), rule(datapointsToAlarm, mode)).state);
    expect(states).toEqual(expected);
  });
});

describe('comparison operators', () => {
  it.each([
    ['GreaterThanOrEqualToThreshold', [1, 2], [0]],
    ['GreaterThanThreshold', [2], [1, 0]],
    ['LessThanThreshold', [0], [1, 2]],
    ['LessThanOrEqualToThreshold', [0, 1], [2]],
  ] as const)('%s (threshold 1)', (comparisonOperator, breaching, notBreaching) => {
    const stateOf = (value: number) =>
      evaluateRange([{ timestampMs: T0, value }], {
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: 1,
        comparisonOperator,
        treatMissingData: 'missing',
      }).state;
    expect(breaching.map(stateOf)).toEqual(breaching.map(() => 'ALARM'));
    expect(notBreaching.map(stateOf)).toEqual(notBreaching.map(() => 'OK'));
  });
});

describe('state reasons', () => {
  const oneOfOne: EvaluationRule = {
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  };

  it('words a crossing as CloudWatch does, datapoints newest first at their period start', () => {
    const at = Date.UTC(2026, 6, 12, 10, 5, 0);
    expect(evaluateRange([{ timestampMs: at, value: 3 }], oneOfOne).reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (12/07/26 10:05:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(evaluateRange([{ timestampMs: at, value: 0.5 }], oneOfOne).reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.5 (12/07/26 10:05:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('says how missing datapoints were treated', () => {
    expect(evaluateRange(range('- - -'), oneOfOne).reason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
    expect(evaluateRange(range('- - -'), { ...oneOfOne, treatMissingData: 'missing' }).reason).toBe(
      'Insufficient Data: 1 datapoint was unknown.',
    );
  });

  it('lists the breaching datapoints of an M out of N alarm', () => {
    const reason = evaluateRange(range('0 X X'), rule(2, 'missing')).reason;
    expect(reason).toBe(
      `Threshold Crossed: 2 out of the last 3 datapoints [5.0 (${formatTimestamp(T0 + 2 * PERIOD)}), 5.0 (${formatTimestamp(T0 + PERIOD)})] were greater than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).`,
    );
  });
});
