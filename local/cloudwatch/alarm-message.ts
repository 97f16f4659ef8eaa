import type { AlarmDefinition, AlarmMetricStat } from './alarm-definitions';
import type { AlarmState } from './alarm-rule';

/**
 * The JSON message CloudWatch publishes to an alarm action's SNS topic on a state change.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
 */

export interface AlarmNotificationMessage {
  readonly AlarmName: string;
  readonly AlarmDescription: string | null;
  readonly AWSAccountId: string;
  readonly AlarmConfigurationUpdatedTimestamp: string;
  readonly NewStateValue: AlarmState;
  readonly NewStateReason: string;
  readonly StateChangeTime: string;
  readonly Region: string;
  readonly AlarmArn: string;
  readonly OldStateValue: AlarmState;
  readonly OKActions: readonly string[];
  readonly AlarmActions: readonly string[];
  readonly InsufficientDataActions: readonly string[];
  readonly Trigger: Readonly<Record<string, unknown>>;
}

export interface StateChangeFacts {
  readonly oldState: AlarmState;
  readonly newState: AlarmState;
  readonly reason: string;
  readonly timestampMs: number;
  /** When the alarm was loaded (its "configuration updated" time). */
  readonly configuredAtMs: number;
}

export function alarmNotificationMessage(alarm: AlarmDefinition, facts: StateChangeFacts): AlarmNotificationMessage {
  return {
    AlarmName: alarm.alarmName,
    AlarmDescription: alarm.description ?? null,
    AWSAccountId: alarm.accountId,
    AlarmConfigurationUpdatedTimestamp: cloudWatchTime(facts.configuredAtMs),
    NewStateValue: facts.newState,
    NewStateReason: facts.reason,
    StateChangeTime: cloudWatchTime(facts.timestampMs),
    Region: regionDisplayName(alarm.region),
    AlarmArn: alarm.alarmArn,
    OldStateValue: facts.oldState,
    OKActions: alarm.okActions,
    AlarmActions: alarm.alarmActions,
    InsufficientDataActions: alarm.insufficientDataActions,
    Trigger: trigger(alarm),
  };
}

function trigger(alarm: AlarmDefinition): Record<string, unknown> {
  const evaluation = {
    Period: alarm.periodSeconds,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    ComparisonOperator: alarm.comparisonOperator,
    Threshold: alarm.threshold,
    TreatMissingData: alarm.treatMissingData,
    EvaluateLowSampleCountPercentile: '',
  };
  const [metric] = alarm.metrics;
  if (alarm.expression === undefined && metric !== undefined) {
    const statistic =
      alarm.statistic?.kind === 'ExtendedStatistic'
        ? { StatisticType: 'ExtendedStatistic', ExtendedStatistic: metric.stat }
        : { StatisticType: 'Statistic', Statistic: statisticConstant(metric.stat) };
    return {
      MetricName: metric.metricName,
      Namespace: metric.namespace,
      ...statistic,
      Unit: metric.unit ?? null,
      Dimensions: triggerDimensions(metric),
      ...evaluation,
    };
  }
  const expression = alarm.expression;
  return {
    Metrics: [
      ...(expression
        ? [
            {
              Expression: expression.text,
              Id: expression.id,
              ...(expression.label ? { Label: expression.label } : {}),
              ReturnData: true,
            },
          ]
        : []),
      ...alarm.metrics.map((stat) => ({
        Id: stat.id,
        MetricStat: {
          Metric: { Dimensions: triggerDimensions(stat), MetricName: stat.metricName, Namespace: stat.namespace },
          Period: stat.periodSeconds,
          Stat: stat.stat,
        },
        ReturnData: false,
      })),
    ],
    ...evaluation,
  };
}

function triggerDimensions(metric: AlarmMetricStat): Array<{ value: string; name: string }> {
  return Object.entries(metric.dimensions).map(([name, value]) => ({ value, name }));
}

/** `SampleCount` → `SAMPLE_COUNT`, `Sum` → `SUM`: the Trigger spells statistics as constants. */
function statisticConstant(stat: string): string {
  return stat.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `2026-07-12T10:05:33.123+0000`, CloudWatch's timestamp format in alarm messages. */
export function cloudWatchTime(timestampMs: number): string {
  return new Date(timestampMs).toISOString().replace('Z', '+0000');
}

const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
};

/** Alarm messages and subjects name the region by its display name ("US East (N. Virginia)"). */
export function regionDisplayName(region: string): string {
  return REGION_NAMES[region] ?? region;
}
