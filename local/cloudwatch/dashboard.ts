import type { LocalTemplate } from '../template';
import { evaluateMetricMath, parseMetricMath, type Series } from './metric-math';
import { alignToPeriod, type Dimensions, type MetricStore } from './metric-store';
import { parseSearchCall } from './search-expression';

/**
 * The template's `AWS::CloudWatch::Dashboard` bodies, parsed into widgets the console draws,
 * and the data of a metric widget computed from the local metric store.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */

export type DashboardMetricRow =
  | {
      readonly kind: 'metric';
      readonly id: string;
      readonly namespace: string;
      readonly metricName: string;
      readonly dimensions: Dimensions;
      readonly stat: string;
      readonly periodSeconds: number;
      readonly label: string;
      readonly visible: boolean;
    }
  | {
      readonly kind: 'expression';
      readonly id: string;
      readonly expression: string;
      readonly periodSeconds: number;
      readonly label?: string;
      readonly visible: boolean;
    };

export interface DashboardWidget {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title?: string;
  readonly view?: string;
  readonly stacked?: boolean;
  readonly stat: string;
  readonly periodSeconds: number;
  readonly metrics: readonly DashboardMetricRow[];
  /** Every property as written (markdown of text widgets, yAxis, legend, ...). */
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface Dashboard {
  readonly logicalId: string;
  readonly name: string;
  readonly start?: string;
  readonly widgets: readonly DashboardWidget[];
}

export class DashboardBodyError extends Error {
  public readonly name = 'DashboardBodyError';
}

const DEFAULT_STAT = 'Average';
const DEFAULT_PERIOD_SECONDS = 300;

export function dashboardsFromTemplate(template: LocalTemplate): Dashboard[] {
  return template.resourcesOfType('AWS::CloudWatch::Dashboard').map(({ logicalId, resource }) => {
    const properties = (template.resolve(resource.Properties ?? {}) ?? {}) as Record<string, unknown>;
    const name =
      properties.DashboardName === undefined ? template.physicalName(logicalId) : String(properties.DashboardName);
    try {
      return { logicalId, name, ...parseDashboardBody(String(properties.DashboardBody)) };
    } catch (error) {
      throw new DashboardBodyError(`dashboard ${logicalId}: ${(error as Error).message}`);
    }
  });
}

export function parseDashboardBody(body: string): { start?: string; widgets: DashboardWidget[] } {
  const parsed = JSON.parse(body) as { start?: unknown; widgets?: unknown };
  if (!Array.isArray(parsed.widgets)) throw new Error('the body has no widgets array');
  return {
    ...(typeof parsed.start === 'string' ? { start: parsed.start } : {}),
    widgets: parsed.widgets.map((widget) => parseWidget(widget as Record<string, unknown>)),
  };
}

function parseWidget(widget: Record<string, unknown>): DashboardWidget {
  const properties = (widget.properties ?? {}) as Record<string, unknown>;
  const stat = typeof properties.stat === 'string' ? properties.stat : DEFAULT_STAT;
  const periodSeconds = typeof properties.period === 'number' ? properties.period : DEFAULT_PERIOD_SECONDS;
  const rows = Array.isArray(properties.metrics) ? expandMetricRows(properties.metrics) : [];
  return {
    type: String(widget.type),
    x: Number(widget.x ?? 0),
    y: Number(widget.y ?? 0),
    width: Number(widget.width ?? 6),
    height: Number(widget.height ?? 6),
    ...(typeof properties.title === 'string' ? { title: properties.title } : {}),
    ...(typeof properties.view === 'string' ? { view: properties.view } : {}),
    ...(typeof properties.stacked === 'boolean' ? { stacked: properties.stacked } : {}),
    stat,
    periodSeconds,
    metrics: rows.map((row, index) => metricRow(row, index, stat, periodSeconds)),
    properties,
  };
}

/** A row of a widget's `metrics` with the shorthand expanded: its items and its rendering options. */
export interface ExpandedRow {
  readonly items: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Expands the metrics-array shorthand: "." repeats the item at the same position of the
 * previous row, "..." repeats the previous row's items up to where the items written after it
 * take over: `["...", "i-2"]` after `["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"]` is
 * `["AWS/EC2", "CPUUtilization", "InstanceId", "i-2"]`.
 */
export function expandMetricRows(rows: readonly unknown[]): ExpandedRow[] {
  const expanded: ExpandedRow[] = [];
  let previous: readonly string[] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) throw new Error(`a metrics row must be an array, got ${JSON.stringify(row)}`);
    const last = row[row.length - 1];
    const hasOptions = typeof last === 'object' && last !== null;
    const written = (hasOptions ? row.slice(0, -1) : row).map(String);
    const ellipsis = written.indexOf('...');
    const items =
      ellipsis < 0
        ? written
        : [
            ...written.slice(0, ellipsis),
            ...previous.slice(ellipsis, Math.max(ellipsis, previous.length - (written.length - ellipsis - 1))),
            ...written.slice(ellipsis + 1),
          ];
    const resolved = items.map((item, index) => (item === '.' ? (previous[index] ?? '.') : item));
    if (resolved.includes('.')) throw new Error(`'.' with nothing above it in ${JSON.stringify(row)}`);
    expanded.push({ items: resolved, options: hasOptions ? (last as Record<string, unknown>) : {} });
    if (resolved.length > 0) previous = resolved;
  }
  return expanded;
}

function metricRow(row: ExpandedRow, index: number, widgetStat: string, widgetPeriod: number): DashboardMetricRow {
  const { items, options } = row;
  const visible = options.visible !== false;
  const label = typeof options.label === 'string' ? options.label : undefined;
  const periodSeconds = typeof options.period === 'number' ? options.period : widgetPeriod;
  if (typeof options.expression === 'string') {
    const expression = options.expression;
    // Checked now so an unsupported function fails at load, not when the console draws it.
    if (!parseSearchCall(expression)) parseMetricMath(expression);
    const id = typeof options.id === 'string' ? options.id : `e${index + 1}`;
    return { kind: 'expression', id, expression, periodSeconds, visible, ...(label !== undefined ? { label } : {}) };
  }
  const [namespace, metricName, ...pairs] = items;
  if (namespace === undefined || metricName === undefined || pairs.length % 2 !== 0) {
    throw new Error(`metrics row ${JSON.stringify(items)} is not [namespace, name, dimension, value, ...]`);
  }
  const dimensions: Record<string, string> = {};
  for (let at = 0; at < pairs.length; at += 2) dimensions[pairs[at] as string] = pairs[at + 1] as string;
  return {
    kind: 'metric',
    id: typeof options.id === 'string' ? options.id : `m${index + 1}`,
    namespace,
    metricName,
    dimensions,
    stat: typeof options.stat === 'string' ? options.stat : widgetStat,
    periodSeconds,
    label: label ?? metricName,
    visible,
  };
}

export interface WidgetSeries {
  readonly label: string;
  readonly points: ReadonlyArray<{ readonly t: number; readonly v: number }>;
}

export interface WidgetDataOptions {
  readonly nowMs: number;
  /** How far back the chart goes. */
  readonly rangeMs: number;
  /** Replaces every period (compressed time), as the alarm evaluator's option does. */
  readonly periodMs?: number;
}

/** The series a metric widget draws: one per visible row, several for a SEARCH row. */
export function widgetData(widget: DashboardWidget, store: MetricStore, options: WidgetDataOptions): WidgetSeries[] {
  const seriesById = new Map<string, Series>();
  const rangeOf = (periodMs: number) => ({
    periodMs,
    startMs: alignToPeriod(options.nowMs - options.rangeMs, periodMs),
    endMs: alignToPeriod(options.nowMs, periodMs) + periodMs,
  });
  const rowSeries = (row: DashboardMetricRow): Array<{ label: string; series: Series }> => {
    const range = rangeOf(options.periodMs ?? row.periodSeconds * 1000);
    if (row.kind === 'metric') {
      const points = store.statistics({ ...row, ...range });
      return [{ label: row.label, series: new Map(points.map(({ timestampMs, value }) => [timestampMs, value])) }];
    }
    const search = parseSearchCall(row.expression);
    if (search) {
      const periodMs = options.periodMs ?? search.periodSeconds * 1000;
      return store.search(search.query, search.stat, periodMs, rangeOf(periodMs)).map((found) => ({
        label: row.label ? `${row.label} ${found.label}` : found.label,
        series: new Map(found.points.map(({ timestampMs, value }) => [timestampMs, value])),
      }));
    }
    const periods: number[] = [];
    for (let t = range.startMs; t < range.endMs; t += range.periodMs) periods.push(t);
    const series = evaluateMetricMath(parseMetricMath(row.expression), {
      series: (id) => seriesOf(id),
      periods,
    });
    return [{ label: row.label ?? row.expression, series }];
  };
  const seriesOf = (id: string): Series => {
    const known = seriesById.get(id);
    if (known) return known;
    const row = widget.metrics.find((candidate) => candidate.id === id);
    const computed = row ? (rowSeries(row)[0]?.series ?? new Map()) : new Map<number, number>();
    seriesById.set(id, computed);
    return computed;
  };
  return widget.metrics
    .filter((row) => row.visible)
    .flatMap(rowSeries)
    .map(({ label, series }) => ({
      label,
      points: [...series.entries()].sort(([a], [b]) => a - b).map(([t, v]) => ({ t, v })),
    }));
}
