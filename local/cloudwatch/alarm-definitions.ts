import type { LocalTemplate } from '../template';
import { type MathNode, parseMetricMath, referencedIds } from './metric-math';
import type { MetricIdentity } from './metric-store';
import { aggregateFor } from './statistics';

/**
 * The `AWS::CloudWatch::Alarm` resources of the template, resolved and validated, so the local
 * evaluator runs each with its own metric, statistic, period and thresholds.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html
 */

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

/** One metric an alarm reads, with its statistic and period. */
export interface AlarmMetricStat extends MetricIdentity {
  /** The id metric math refers to it by (`m1` for a single-metric alarm). */
  readonly id: string;
  readonly stat: string;
  readonly periodSeconds: number;
  readonly unit?: string;
}

export interface AlarmExpression {
  readonly id: string;
  readonly text: string;
  readonly label?: string;
  readonly ast: MathNode;
}

export interface AlarmDefinition {
  readonly logicalId: string;
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly region: string;
  readonly accountId: string;
  readonly description?: string;
  /** Every metric the alarm reads: one, or each MetricStat of a metric math alarm. */
  readonly metrics: readonly AlarmMetricStat[];
  /** The expression whose result is compared (metric math alarms only). */
  readonly expression?: AlarmExpression;
  /** How the template stated the single metric's statistic (for the notification's Trigger). */
  readonly statistic?: { readonly kind: 'Statistic' | 'ExtendedStatistic'; readonly value: string };
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly treatMissingData: TreatMissingData;
  readonly actionsEnabled: boolean;
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
  readonly insufficientDataActions: readonly string[];
}

export class UnsupportedAlarmError extends Error {
  public readonly name = 'UnsupportedAlarmError';
}

export function alarmsFromTemplate(template: LocalTemplate): AlarmDefinition[] {
  return template.resourcesOfType('AWS::CloudWatch::Alarm').map(({ logicalId, resource }) => {
    const properties = (template.resolve(resource.Properties ?? {}) ?? {}) as Record<string, unknown>;
    try {
      return alarmDefinition(template, logicalId, properties);
    } catch (error) {
      throw new UnsupportedAlarmError(`alarm ${logicalId}: ${(error as Error).message}`);
    }
  });
}

function alarmDefinition(
  template: LocalTemplate,
  logicalId: string,
  properties: Record<string, unknown>,
): AlarmDefinition {
  const { region, accountId } = template.context;
  const alarmName = optionalString(properties.AlarmName) ?? template.physicalName(logicalId);
  const comparisonOperator = String(properties.ComparisonOperator);
  if (!(COMPARISON_OPERATORS as readonly string[]).includes(comparisonOperator)) {
    throw new Error(
      `ComparisonOperator ${comparisonOperator} is not emulated locally (anomaly detection bands are not; supported: ${COMPARISON_OPERATORS.join(', ')})`,
    );
  }
  if (properties.ThresholdMetricId !== undefined) {
    throw new Error('ThresholdMetricId (anomaly detection) is not emulated locally');
  }
  const treatMissingData = optionalString(properties.TreatMissingData) ?? 'missing';
  if (!(TREAT_MISSING_DATA as readonly string[]).includes(treatMissingData)) {
    throw new Error(`TreatMissingData ${treatMissingData} is not valid (${TREAT_MISSING_DATA.join(', ')})`);
  }
  const evaluationPeriods = positiveInteger(properties.EvaluationPeriods, 'EvaluationPeriods');
  const datapointsToAlarm =
    properties.DatapointsToAlarm === undefined
      ? evaluationPeriods
      : positiveInteger(properties.DatapointsToAlarm, 'DatapointsToAlarm');
  if (datapointsToAlarm > evaluationPeriods) {
    throw new Error(`DatapointsToAlarm ${datapointsToAlarm} exceeds EvaluationPeriods ${evaluationPeriods}`);
  }
  const threshold = Number(properties.Threshold);
  if (!Number.isFinite(threshold)) throw new Error(`Threshold ${String(properties.Threshold)} is not a number`);
  const readings = properties.Metrics === undefined ? singleMetric(properties) : metricMath(properties.Metrics);
  return {
    logicalId,
    alarmName,
    alarmArn: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmName}`,
    region,
    accountId,
    description: optionalString(properties.AlarmDescription),
    ...readings,
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
    comparisonOperator: comparisonOperator as ComparisonOperator,
    treatMissingData: treatMissingData as TreatMissingData,
    actionsEnabled: properties.ActionsEnabled !== false && properties.ActionsEnabled !== 'false',
    alarmActions: stringList(properties.AlarmActions),
    okActions: stringList(properties.OKActions),
    insufficientDataActions: stringList(properties.InsufficientDataActions),
  };
}

type MetricReadings = Pick<AlarmDefinition, 'metrics' | 'expression' | 'statistic' | 'periodSeconds'>;

function singleMetric(properties: Record<string, unknown>): MetricReadings {
  const extended = optionalString(properties.ExtendedStatistic);
  const statistic = optionalString(properties.Statistic);
  const stat = extended ?? statistic;
  if (stat === undefined) throw new Error('neither Statistic nor ExtendedStatistic nor Metrics is set');
  aggregateFor(stat);
  const periodSeconds = positiveInteger(properties.Period, 'Period');
  const metric: AlarmMetricStat = {
    id: 'm1',
    namespace: requiredString(properties.Namespace, 'Namespace'),
    metricName: requiredString(properties.MetricName, 'MetricName'),
    dimensions: dimensionsOf(properties.Dimensions),
    stat,
    periodSeconds,
    ...unitOf(properties.Unit),
  };
  return {
    metrics: [metric],
    statistic: { kind: extended ? 'ExtendedStatistic' : 'Statistic', value: stat },
    periodSeconds,
  };
}

function metricMath(entries: unknown): MetricReadings {
  if (!Array.isArray(entries) || entries.length === 0) throw new Error('Metrics must be a non-empty list');
  const queries = entries as Array<Record<string, unknown>>;
  const returned = queries.filter((query) => query.ReturnData !== false && query.ReturnData !== 'false');
  const [result] = returned;
  if (returned.length !== 1 || result === undefined) {
    throw new Error(`exactly one entry of Metrics must have ReturnData true (found ${returned.length})`);
  }
  const metrics = queries.filter((query) => query.MetricStat !== undefined).map(metricStat);
  const [first] = metrics;
  if (first === undefined) throw new Error('Metrics has no MetricStat');
  if (metrics.some((metric) => metric.periodSeconds !== first.periodSeconds)) {
    throw new Error('every metric of a metric math alarm must use the same period');
  }
  if (result.Expression === undefined) {
    // One MetricStat returned as is: a single-metric alarm written with Metrics.
    const metric = metrics.find((candidate) => candidate.id === result.Id) ?? first;
    return { metrics: [metric], periodSeconds: metric.periodSeconds };
  }
  const text = requiredString(result.Expression, 'Expression');
  const ast = parseMetricMath(text);
  const unknownIds = referencedIds(ast).filter((id) => !metrics.some((metric) => metric.id === id));
  if (unknownIds.length > 0) throw new Error(`expression '${text}' reads unknown ids: ${unknownIds.join(', ')}`);
  return {
    metrics,
    expression: { id: String(result.Id), text, label: optionalString(result.Label), ast },
    periodSeconds: first.periodSeconds,
  };
}

function metricStat(query: Record<string, unknown>): AlarmMetricStat {
  const stat = query.MetricStat as Record<string, unknown>;
  const metric = (stat.Metric ?? {}) as Record<string, unknown>;
  const statName = requiredString(stat.Stat, 'MetricStat.Stat');
  aggregateFor(statName);
  return {
    id: requiredString(query.Id, 'Metrics[].Id'),
    namespace: requiredString(metric.Namespace, 'MetricStat.Metric.Namespace'),
    metricName: requiredString(metric.MetricName, 'MetricStat.Metric.MetricName'),
    dimensions: dimensionsOf(metric.Dimensions),
    stat: statName,
    periodSeconds: positiveInteger(stat.Period, 'MetricStat.Period'),
    ...unitOf(stat.Unit),
  };
}

function dimensionsOf(value: unknown): Record<string, string> {
  const list = Array.isArray(value) ? (value as Array<Record<string, unknown>>) : [];
  return Object.fromEntries(list.map((dimension) => [String(dimension.Name), String(dimension.Value)]));
}

function unitOf(value: unknown): { unit?: string } {
  return typeof value === 'string' ? { unit: value } : {};
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function requiredString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} is missing`);
  return value;
}

function positiveInteger(value: unknown, what: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new Error(`${what} must be a positive integer, got ${String(value)}`);
  return number;
}
