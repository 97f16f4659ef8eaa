/**
 * CloudWatch statistics over the raw values of one period.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
 */

export type Aggregate = (values: readonly number[]) => number;

const PERCENTILE = /^p(\d{1,3}(?:\.\d+)?)$/;

const NAMED: Readonly<Record<string, Aggregate>> = {
  Sum: (values) => values.reduce((sum, value) => sum + value, 0),
  Average: (values) => values.reduce((sum, value) => sum + value, 0) / values.length,
  Minimum: (values) => Math.min(...values),
  Maximum: (values) => Math.max(...values),
  SampleCount: (values) => values.length,
};

export class UnsupportedStatisticError extends Error {
  public readonly name = 'UnsupportedStatisticError';
}

/** The aggregate function of a statistic name (Sum, Average, Minimum, Maximum, SampleCount, pNN, pNN.N). */
export function aggregateFor(stat: string): Aggregate {
  const named = NAMED[stat];
  if (named) return named;
  const match = PERCENTILE.exec(stat);
  const percent = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (percent >= 0 && percent <= 100) return (values) => percentile(values, percent);
  throw new UnsupportedStatisticError(
    `statistic '${stat}' is not emulated locally (supported: ${Object.keys(NAMED).join(', ')}, pNN, pNN.N)`,
  );
}

/**
 * Nearest-rank percentile of the raw values. CloudWatch computes percentiles from its own
 * value distribution (an approximation); on the few values of a local run the nearest rank is
 * what it converges to: p99 of [1..100] is 99, p50 of [1, 2, 3, 4] is 2.
 */
function percentile(values: readonly number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1] as number;
}
