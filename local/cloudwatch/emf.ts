import type { Datapoint } from './metric-store';

/**
 * CloudWatch embedded metric format: the metrics CloudWatch Logs extracts from a log line.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * The line must be a JSON object and nothing else, with `_aws.CloudWatchMetrics` directives;
 * each directive yields every metric once per dimension set, a value array several datapoints.
 * A dimension set that names a missing or non-string member is skipped, as is a metric whose
 * member is not a number (or an array of numbers).
 */

/** The datapoints of an EMF line; undefined when the line is not EMF (then it is an ordinary log line). */
export function metricsFromEmfLine(line: string, nowMs: number = Date.now()): Datapoint[] | undefined {
  const root = parseJsonObject(line);
  const metadata = root?._aws;
  if (!isObject(metadata) || !Array.isArray(metadata.CloudWatchMetrics)) return undefined;
  const timestampMs =
    typeof metadata.Timestamp === 'number' && Number.isFinite(metadata.Timestamp) ? metadata.Timestamp : nowMs;
  return metadata.CloudWatchMetrics.flatMap((directive) =>
    isObject(directive) ? datapointsOfDirective(directive, root as Record<string, unknown>, timestampMs) : [],
  );
}

function datapointsOfDirective(
  directive: Record<string, unknown>,
  root: Record<string, unknown>,
  timestampMs: number,
): Datapoint[] {
  const namespace = directive.Namespace;
  if (typeof namespace !== 'string' || namespace === '' || !Array.isArray(directive.Metrics)) return [];
  const dimensionSets = dimensionSetsOf(directive.Dimensions, root);
  return directive.Metrics.flatMap((definition) => {
    if (!isObject(definition) || typeof definition.Name !== 'string') return [];
    const metricName = definition.Name;
    const unit = typeof definition.Unit === 'string' ? definition.Unit : undefined;
    const values = numericValues(root[metricName]);
    return dimensionSets.flatMap((dimensions) =>
      values.map((value) => ({ namespace, metricName, dimensions, timestampMs, value, ...(unit ? { unit } : {}) })),
    );
  });
}

/** Dimension sets resolved against the root; none declared (`[]`) = one set without dimensions. */
function dimensionSetsOf(declared: unknown, root: Record<string, unknown>): Array<Record<string, string>> {
  if (!Array.isArray(declared) || declared.length === 0) return [{}];
  return declared.flatMap((names) => {
    if (!Array.isArray(names)) return [];
    const dimensions: Record<string, string> = {};
    for (const name of names) {
      const value = typeof name === 'string' ? root[name] : undefined;
      if (typeof value !== 'string') return [];
      dimensions[name as string] = value;
    }
    return [dimensions];
  });
}

function numericValues(member: unknown): number[] {
  const candidates = Array.isArray(member) ? member : [member];
  return candidates.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('"_aws"')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
