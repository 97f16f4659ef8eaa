import type { ComparisonOperator, TreatMissingData } from './alarm-definitions';

/**
 * How CloudWatch decides an alarm's state from the datapoints of its evaluation range.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 * ("How alarm state is evaluated when data is missing", and its two example tables):
 * - CloudWatch retrieves more periods than EvaluationPeriods (N): the evaluation range. The
 *   doc's example retrieves 5 for N = 3; we retrieve N + 2 for every alarm.
 * - At least N real datapoints in the range: the N most recent real ones are evaluated, and
 *   TreatMissingData plays no part.
 * - Fewer: every real datapoint is evaluated, and the rest up to N is filled by TreatMissingData
 *   (breaching / notBreaching). With missing / ignore nothing is filled: ALARM when at least
 *   DatapointsToAlarm (M) real ones breach, OK when one does not; with only breaching ones,
 *   `missing` still goes to ALARM when the oldest is at least M periods old (CloudWatch avoids
 *   a premature transition otherwise) and else to INSUFFICIENT_DATA, `ignore` keeps the state.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export const EXTRA_PERIODS_RETRIEVED = 2;

export interface EvaluationRule {
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly treatMissingData: TreatMissingData;
}

/** One period of the evaluation range; `value` undefined = no data in it. */
export interface RangePeriod {
  readonly timestampMs: number;
  readonly value: number | undefined;
}

export interface Evaluation {
  /** undefined: keep the current state (TreatMissingData ignore). */
  readonly state: AlarmState | undefined;
  readonly reason: string;
}

interface RealDatapoint {
  readonly timestampMs: number;
  readonly value: number;
  /** 1 for the newest period of the range, 2 for the one before, ... */
  readonly age: number;
  readonly breaching: boolean;
}

/** Evaluates a range of periods, oldest first (the newest is the period `now` falls in). */
export function evaluateRange(range: readonly RangePeriod[], rule: EvaluationRule): Evaluation {
  const { evaluationPeriods: n, datapointsToAlarm: m } = rule;
  const real: RealDatapoint[] = [];
  [...range].reverse().forEach((period, index) => {
    if (period.value === undefined) return;
    const breaching = isBreaching(period.value, rule.comparisonOperator, rule.threshold);
    real.push({ timestampMs: period.timestampMs, value: period.value, age: index + 1, breaching });
  });
  const text = new ReasonText(rule);
  if (real.length >= n) {
    const evaluated = real.slice(0, n);
    return countBreaching(evaluated) >= m ? text.alarm(evaluated, 0) : text.ok(evaluated, 0);
  }
  const missing = n - real.length;
  const breachingCount = countBreaching(real);
  switch (rule.treatMissingData) {
    case 'breaching':
      return breachingCount + missing >= m ? text.alarm(real, missing) : text.ok(real, 0);
    case 'notBreaching':
      return breachingCount >= m ? text.alarm(real, 0) : text.ok(real, missing);
    case 'missing':
    case 'ignore': {
      if (breachingCount >= m) return text.alarm(real, 0);
      if (real.some((datapoint) => !datapoint.breaching)) return text.ok(real, 0);
      const oldest = real[real.length - 1];
      if (rule.treatMissingData === 'missing' && oldest !== undefined && oldest.age >= m) return text.alarm(real, 0);
      return rule.treatMissingData === 'missing'
        ? { state: 'INSUFFICIENT_DATA', reason: text.insufficient(missing) }
        : { state: undefined, reason: text.insufficient(missing) };
    }
  }
}

export function isBreaching(value: number, operator: ComparisonOperator, threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

function countBreaching(datapoints: readonly RealDatapoint[]): number {
  return datapoints.filter((datapoint) => datapoint.breaching).length;
}

const OPERATOR_TEXT: Readonly<Record<ComparisonOperator, string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/**
 * State reasons worded as CloudWatch words them, e.g. "Threshold Crossed: 1 out of the last 1
 * datapoints [3.0 (12/07/26 10:05:00)] was greater than or equal to the threshold (1.0)
 * (minimum 1 datapoint for OK -> ALARM transition)." Datapoints are listed newest first, at the
 * start of their period, as dd/MM/yy HH:mm:ss UTC.
 */
class ReasonText {
  public constructor(private readonly rule: EvaluationRule) {}

  public alarm(evaluated: readonly RealDatapoint[], filled: number): Evaluation {
    const breaching = evaluated.filter((datapoint) => datapoint.breaching);
    const minimum = this.rule.datapointsToAlarm;
    return {
      state: 'ALARM',
      reason: this.crossed(
        breaching,
        evaluated.length,
        '',
        filled,
        'Breaching',
        `${plural(minimum, 'datapoint')} for OK -> ALARM`,
      ),
    };
  }

  public ok(evaluated: readonly RealDatapoint[], filled: number): Evaluation {
    const notBreaching = evaluated.filter((datapoint) => !datapoint.breaching);
    const minimum = this.rule.evaluationPeriods - this.rule.datapointsToAlarm + 1;
    const shown = notBreaching.length > 0 ? notBreaching : evaluated;
    const negation = notBreaching.length > 0 ? 'not ' : '';
    return {
      state: 'OK',
      reason: this.crossed(
        shown,
        evaluated.length,
        negation,
        filled,
        'NonBreaching',
        `${plural(minimum, 'datapoint')} for ALARM -> OK`,
      ),
    };
  }

  public insufficient(missing: number): string {
    return `Insufficient Data: ${plural(missing, 'datapoint')} ${wasOrWere(missing)} unknown.`;
  }

  private crossed(
    shown: readonly RealDatapoint[],
    outOf: number,
    negation: string,
    filled: number,
    filledAs: string,
    minimum: string,
  ): string {
    const filledText = `${plural(filled, 'missing datapoint')} ${wasOrWere(filled)} treated as [${filledAs}]`;
    if (shown.length === 0) {
      return `Threshold Crossed: no datapoints were received for ${plural(filled, 'period')} and ${filledText}.`;
    }
    const listed = shown.map(
      (datapoint) => `${formatValue(datapoint.value)} (${formatTimestamp(datapoint.timestampMs)})`,
    );
    return (
      `Threshold Crossed: ${shown.length} out of the last ${outOf} datapoints [${listed.join(', ')}] ` +
      `${wasOrWere(shown.length)} ${negation}${OPERATOR_TEXT[this.rule.comparisonOperator]} the threshold ` +
      `(${formatValue(this.rule.threshold)})${filled > 0 ? `, and ${filledText}` : ''} (minimum ${minimum} transition).`
    );
  }
}

/** Numbers as CloudWatch prints them (Java doubles): 3 → "3.0", 0.25 → "0.25". */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** dd/MM/yy HH:mm:ss in UTC, as in CloudWatch state reasons. */
export function formatTimestamp(timestampMs: number): string {
  const date = new Date(timestampMs);
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCFullYear() % 100)} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function wasOrWere(count: number): string {
  return count === 1 ? 'was' : 'were';
}
