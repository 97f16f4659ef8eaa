import type { AlarmDefinition } from './alarm-definitions';
import { type Dimensions, describeMetric, type MetricStore } from './metric-store';

/**
 * Alarm metrics nothing emits: an alarm on a misspelt metric name, namespace or dimension
 * watches a metric that never exists, stays in its missing-data state and never fires. The
 * match is exact, as CloudWatch's (each dimension combination is its own metric).
 */

export interface UnwatchedAlarmMetric {
  readonly alarmName: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Dimensions;
  /** The dimension sets the store does hold for that namespace and name (a hint at the misspelling). */
  readonly emittedWithDimensions: readonly Dimensions[];
}

export function unwatchedAlarmMetrics(alarms: readonly AlarmDefinition[], store: MetricStore): UnwatchedAlarmMetric[] {
  const emitted = store.series();
  return alarms.flatMap((alarm) =>
    alarm.metrics
      .filter((metric) => !store.has(metric))
      .map((metric) => ({
        alarmName: alarm.alarmName,
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensions: metric.dimensions,
        emittedWithDimensions: emitted
          .filter((series) => series.namespace === metric.namespace && series.metricName === metric.metricName)
          .map((series) => series.dimensions),
      })),
  );
}

/** One line per unwatched metric, for a test failure message. */
export function describeUnwatched(unwatched: readonly UnwatchedAlarmMetric[]): string {
  return unwatched
    .map((entry) => {
      const seen = entry.emittedWithDimensions.map((dimensions) => JSON.stringify(dimensions)).join(' ');
      return `${entry.alarmName}: ${describeMetric(entry)} is never emitted${seen ? ` (emitted with ${seen})` : ''}`;
    })
    .join('\n');
}
