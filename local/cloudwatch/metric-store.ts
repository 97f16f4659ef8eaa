import { compileMetricQuery } from './search-expression';
import { aggregateFor } from './statistics';

/**
 * Local CloudWatch metric storage: raw datapoints (what PutMetricData / EMF deliver), bounded,
 * queried as CloudWatch's GetMetricStatistics does. A metric is its namespace, name and EXACT
 * dimension set: `Errors {FunctionName=a}` and `Errors {}` are two metrics, as in CloudWatch
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
 */

export type Dimensions = Readonly<Record<string, string>>;

export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Dimensions;
}

export interface Datapoint extends MetricIdentity {
  readonly timestampMs: number;
  readonly value: number;
  readonly unit?: string;
}

export interface StatisticsQuery extends MetricIdentity {
  readonly stat: string;
  readonly periodMs: number;
  /** Inclusive. */
  readonly startMs: number;
  /** Exclusive. */
  readonly endMs: number;
}

/** One aggregated datapoint: `timestampMs` is the start of its period. */
export interface PeriodValue {
  readonly timestampMs: number;
  readonly value: number;
}

/** One series a SEARCH expression found, labelled by its dimension values (as the CloudWatch graph does). */
export interface LabelledSeries {
  readonly label: string;
  readonly identity: MetricIdentity;
  readonly points: PeriodValue[];
}

export interface MetricStoreOptions {
  /** Raw datapoints kept; the oldest are dropped beyond it. @default 200_000 */
  readonly capacity?: number;
}

interface StoredSeries {
  readonly identity: MetricIdentity;
  /** In arrival order, so the first one is the oldest stored. */
  readonly points: Datapoint[];
}

export class MetricStore {
  private readonly capacity: number;
  private readonly bySeries = new Map<string, StoredSeries>();
  /** Series key of every stored datapoint, in arrival order (for dropping the oldest). */
  private arrivals: string[] = [];
  private arrivalsHead = 0;
  private droppedCount = 0;

  public constructor(options: MetricStoreOptions = {}) {
    this.capacity = options.capacity ?? 200_000;
    if (!(this.capacity > 0)) throw new Error(`MetricStore capacity must be positive, got ${this.capacity}`);
  }

  /** Datapoints currently held. */
  public get size(): number {
    return this.arrivals.length - this.arrivalsHead;
  }

  /** Datapoints dropped so far to stay within capacity. */
  public get dropped(): number {
    return this.droppedCount;
  }

  public put(datapoints: Datapoint | readonly Datapoint[]): void {
    for (const datapoint of Array.isArray(datapoints) ? datapoints : [datapoints]) {
      if (!Number.isFinite(datapoint.value) || !Number.isFinite(datapoint.timestampMs)) continue;
      const key = seriesKey(datapoint);
      let series = this.bySeries.get(key);
      if (!series) {
        series = { identity: identityOf(datapoint), points: [] };
        this.bySeries.set(key, series);
      }
      series.points.push(datapoint);
      this.arrivals.push(key);
      if (this.size > this.capacity) this.dropOldest();
    }
  }

  /** Every distinct metric (namespace + name + exact dimension set) holding data. */
  public series(): MetricIdentity[] {
    return [...this.bySeries.values()].map((series) => series.identity);
  }

  public has(identity: MetricIdentity): boolean {
    return this.bySeries.has(seriesKey(identity));
  }

  /** One value per period with data, periods aligned to multiples of `periodMs`, oldest first. */
  public statistics(query: StatisticsQuery): PeriodValue[] {
    const series = this.bySeries.get(seriesKey(query));
    if (!series) return [];
    const aggregate = aggregateFor(query.stat);
    const valuesByPeriod = new Map<number, number[]>();
    for (const point of series.points) {
      if (point.timestampMs < query.startMs || point.timestampMs >= query.endMs) continue;
      const periodStart = alignToPeriod(point.timestampMs, query.periodMs);
      const values = valuesByPeriod.get(periodStart);
      if (values) values.push(point.value);
      else valuesByPeriod.set(periodStart, [point.value]);
    }
    return [...valuesByPeriod.entries()]
      .sort(([a], [b]) => a - b)
      .map(([timestampMs, values]) => ({ timestampMs, value: aggregate(values) }));
  }

  /**
   * The series matching the query of a SEARCH expression (`{ns,dim,...} MetricName="X"`, see
   * search-expression.ts), each with its statistics over the range.
   */
  public search(
    query: string,
    stat: string,
    periodMs: number,
    range: { startMs: number; endMs: number },
  ): LabelledSeries[] {
    const compiled = compileMetricQuery(query);
    const labelNames = compiled.schema?.dimensionNames;
    return this.series()
      .filter((identity) => compiled.matches(identity))
      .map((identity) => ({
        label: searchLabel(identity, labelNames),
        identity,
        points: this.statistics({ ...identity, stat, periodMs, ...range }),
      }))
      .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  }

  private dropOldest(): void {
    const key = this.arrivals[this.arrivalsHead] as string;
    this.arrivalsHead += 1;
    this.droppedCount += 1;
    const series = this.bySeries.get(key);
    series?.points.shift();
    if (series?.points.length === 0) this.bySeries.delete(key);
    // Compact now and then, so the arrival log does not grow without bound.
    if (this.arrivalsHead > this.capacity) {
      this.arrivals = this.arrivals.slice(this.arrivalsHead);
      this.arrivalsHead = 0;
    }
  }
}

/** The start of the period that holds `timestampMs`. */
export function alignToPeriod(timestampMs: number, periodMs: number): number {
  return Math.floor(timestampMs / periodMs) * periodMs;
}

export function seriesKey(identity: MetricIdentity): string {
  const dimensions = Object.entries(identity.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([identity.namespace, identity.metricName, dimensions]);
}

/** `AWS/Lambda Errors {FunctionName=x}`: how tests and the console name a metric. */
export function describeMetric(identity: MetricIdentity): string {
  const dimensions = Object.entries(identity.dimensions).map(([name, value]) => `${name}=${value}`);
  return `${identity.namespace} ${identity.metricName} {${dimensions.join(', ')}}`;
}

function searchLabel(identity: MetricIdentity, dimensionNames: readonly string[] | undefined): string {
  const names = dimensionNames ?? Object.keys(identity.dimensions).sort();
  const values = names.map((name) => identity.dimensions[name] ?? '');
  return values.length > 0 ? values.join(' ') : identity.metricName;
}

function identityOf(datapoint: Datapoint): MetricIdentity {
  return { namespace: datapoint.namespace, metricName: datapoint.metricName, dimensions: { ...datapoint.dimensions } };
}
