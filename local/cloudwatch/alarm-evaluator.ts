import type { AlarmDefinition } from './alarm-definitions';
import { type AlarmNotificationMessage, alarmNotificationMessage } from './alarm-message';
import { type AlarmState, EXTRA_PERIODS_RETRIEVED, evaluateRange, type RangePeriod } from './alarm-rule';
import { evaluateMetricMath, type Series } from './metric-math';
import { alignToPeriod, describeMetric, type MetricStore } from './metric-store';

/**
 * Evaluates the template's alarms on the local metric store, as CloudWatch does each period:
 * every alarm starts INSUFFICIENT_DATA; each evaluation reads the alarm's evaluation range
 * (alarm-rule.ts) and a new state is reported with the SNS message CloudWatch would publish.
 * The newest period of the range is the one `now` falls in (CloudWatch too evaluates the
 * period still filling). `periodMs` replaces every alarm's period, so tests run 5-minute
 * alarms in seconds, as `--schedule-every` compresses schedules.
 */

export interface AlarmStateChange {
  readonly alarm: AlarmDefinition;
  readonly oldState: AlarmState;
  readonly newState: AlarmState;
  readonly reason: string;
  readonly timestampMs: number;
  /** The SNS topics of the new state's actions (none when actions are disabled). */
  readonly topicArns: readonly string[];
  readonly message: AlarmNotificationMessage;
}

export interface AlarmStatus {
  readonly name: string;
  readonly logicalId: string;
  readonly description?: string;
  readonly state: AlarmState;
  readonly reason: string;
  readonly updatedAt: string;
  /** What the alarm watches, e.g. "AWS/Lambda Errors {FunctionName=x} Sum". */
  readonly metric: string;
  readonly comparisonOperator: string;
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: string;
  readonly actions: readonly string[];
  /** The last evaluation's error (e.g. a statistic not emulated), if it failed. */
  readonly error?: string;
}

export interface AlarmEvaluatorOptions {
  readonly store: MetricStore;
  readonly alarms: readonly AlarmDefinition[];
  readonly now?: () => number;
  /** Replaces every alarm's Period (compressed time for tests). */
  readonly periodMs?: number;
  readonly onStateChange?: (change: AlarmStateChange) => void;
  /** Errors of periodic evaluation (start()). @default console.error */
  readonly onError?: (error: unknown) => void;
}

interface AlarmRecord {
  readonly alarm: AlarmDefinition;
  state: AlarmState;
  reason: string;
  updatedAtMs: number;
  error?: string;
}

export class AlarmEvaluator {
  private readonly now: () => number;
  private readonly records: AlarmRecord[];
  private readonly configuredAtMs: number;
  private timer: NodeJS.Timeout | undefined;

  public constructor(private readonly options: AlarmEvaluatorOptions) {
    this.now = options.now ?? Date.now;
    this.configuredAtMs = this.now();
    this.records = options.alarms.map((alarm) => ({
      alarm,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      updatedAtMs: this.configuredAtMs,
    }));
  }

  /** Evaluates every alarm once; returns (and reports) the state changes. */
  public evaluate(): AlarmStateChange[] {
    const nowMs = this.now();
    const changes: AlarmStateChange[] = [];
    for (const record of this.records) {
      const change = this.evaluateOne(record, nowMs);
      if (change) changes.push(change);
    }
    for (const change of changes) this.options.onStateChange?.(change);
    return changes;
  }

  public start({ everyMs }: { everyMs: number }): void {
    this.stop();
    this.timer = setInterval(() => {
      try {
        this.evaluate();
      } catch (error) {
        (this.options.onError ?? console.error)(error);
      }
    }, everyMs);
    this.timer.unref();
  }

  public stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  public alarms(): AlarmStatus[] {
    return this.records.map(({ alarm, state, reason, updatedAtMs, error }) => ({
      name: alarm.alarmName,
      logicalId: alarm.logicalId,
      ...(alarm.description !== undefined ? { description: alarm.description } : {}),
      state,
      reason,
      updatedAt: new Date(updatedAtMs).toISOString(),
      metric: describeAlarmMetric(alarm),
      comparisonOperator: alarm.comparisonOperator,
      threshold: alarm.threshold,
      periodSeconds: this.periodMsOf(alarm) / 1000,
      evaluationPeriods: alarm.evaluationPeriods,
      datapointsToAlarm: alarm.datapointsToAlarm,
      treatMissingData: alarm.treatMissingData,
      actions: alarm.alarmActions,
      ...(error !== undefined ? { error } : {}),
    }));
  }

  /** The alarm's evaluation range at `nowMs`: one entry per period, oldest first. */
  public evaluationRange(alarm: AlarmDefinition, nowMs: number): RangePeriod[] {
    const periodMs = this.periodMsOf(alarm);
    const newest = alignToPeriod(nowMs, periodMs);
    const count = alarm.evaluationPeriods + EXTRA_PERIODS_RETRIEVED;
    const periods = Array.from({ length: count }, (_, index) => newest - (count - 1 - index) * periodMs);
    const startMs = periods[0] as number;
    const seriesById = new Map<string, Series>(
      alarm.metrics.map((metric) => [
        metric.id,
        new Map(
          this.options.store
            .statistics({ ...metric, periodMs, startMs, endMs: newest + periodMs })
            .map(({ timestampMs, value }) => [timestampMs, value]),
        ),
      ]),
    );
    const result = alarm.expression
      ? evaluateMetricMath(alarm.expression.ast, { series: (id) => seriesById.get(id) ?? new Map(), periods })
      : (seriesById.values().next().value ?? new Map<number, number>());
    return periods.map((timestampMs) => ({ timestampMs, value: result.get(timestampMs) }));
  }

  private periodMsOf(alarm: AlarmDefinition): number {
    return this.options.periodMs ?? alarm.periodSeconds * 1000;
  }

  private evaluateOne(record: AlarmRecord, nowMs: number): AlarmStateChange | undefined {
    const { alarm } = record;
    let evaluation: ReturnType<typeof evaluateRange>;
    try {
      evaluation = evaluateRange(this.evaluationRange(alarm, nowMs), alarm);
      record.error = undefined;
    } catch (error) {
      record.error = (error as Error).message;
      return undefined;
    }
    const { state: newState, reason } = evaluation;
    if (newState === undefined || newState === record.state) return undefined;
    const oldState = record.state;
    Object.assign(record, { state: newState, reason, updatedAtMs: nowMs });
    const message = alarmNotificationMessage(alarm, {
      oldState,
      newState,
      reason,
      timestampMs: nowMs,
      configuredAtMs: this.configuredAtMs,
    });
    return { alarm, oldState, newState, reason, timestampMs: nowMs, topicArns: actionsFor(alarm, newState), message };
  }
}

function actionsFor(alarm: AlarmDefinition, state: AlarmState): readonly string[] {
  if (!alarm.actionsEnabled) return [];
  if (state === 'ALARM') return alarm.alarmActions;
  return state === 'OK' ? alarm.okActions : alarm.insufficientDataActions;
}

/** "AWS/Lambda Errors {FunctionName=x} Sum", or "failed + poison (failed: ..., poison: ...)". */
export function describeAlarmMetric(alarm: AlarmDefinition): string {
  const metrics = alarm.metrics.map((metric) => `${describeMetric(metric)} ${metric.stat}`);
  if (!alarm.expression) return metrics.join('; ');
  const parts = alarm.metrics.map((metric, index) => `${metric.id}: ${metrics[index]}`);
  return `${alarm.expression.text} (${parts.join('; ')})`;
}
