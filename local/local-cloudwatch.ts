import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { type AlarmDefinition, alarmsFromTemplate } from './cloudwatch/alarm-definitions';
import { AlarmEvaluator, type AlarmStatus } from './cloudwatch/alarm-evaluator';
import { httpApiRequestMetrics, lambdaInvocationMetrics, lambdaIteratorAgeMetric } from './cloudwatch/aws-metrics';
import { type Dashboard, dashboardsFromTemplate, type WidgetSeries, widgetData } from './cloudwatch/dashboard';
import { metricsFromEmfLine } from './cloudwatch/emf';
import { MetricStore } from './cloudwatch/metric-store';
import { AlarmNotificationSink, type SnsNotification } from './cloudwatch/notifications';
import type { InvocationResult } from './esm/types';
import type { InvocationTiming } from './function-runner';
import type { LocalFunctionDefinition } from './functions';
import type { ApiRequestReport } from './http-api';
import type { LocalTemplate } from './template';

/**
 * CloudWatch as the deployed stack has it, on one machine: the functions' EMF lines become
 * metrics (and are not printed, as Lambda's log lines are not metrics either), the runtime adds
 * the metrics AWS publishes itself (AWS/Lambda per invocation, IteratorAge per stream batch,
 * AWS/ApiGateway per request), every AWS::CloudWatch::Alarm of the template is evaluated on them,
 * its state changes go to its SNS topics as notification files, and the template's dashboards
 * are drawn from their own widget definitions.
 */

export interface LocalCloudWatchOptions {
  readonly template: LocalTemplate;
  /** Notifications go to `<dir>/<topic name>.jsonl`. */
  readonly notificationsDir: string;
  /**
   * Every alarm's and dashboard's period lasts this long instead of its own (`--metric-period`), so
   * a 5-minute alarm can be driven to ALARM and back in seconds. @default each one's own period
   */
  readonly periodMs?: number;
  /** How often the alarms are evaluated. @default a tenth of periodMs, at most every 10 s */
  readonly evaluateEveryMs?: number;
  readonly log?: (message: string) => void;
}

/** One dashboard widget with the series it draws now. */
export interface WidgetView {
  readonly title: string;
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly stat: string;
  readonly periodSeconds: number;
  readonly series: readonly WidgetSeries[];
  readonly markdown?: string;
  readonly error?: string;
}

export class LocalCloudWatch {
  public readonly metrics = new MetricStore();
  public readonly alarmDefinitions: readonly AlarmDefinition[];
  public readonly dashboards: readonly Dashboard[];
  private readonly evaluator: AlarmEvaluator;
  private readonly notifications: AlarmNotificationSink;

  public constructor(private readonly options: LocalCloudWatchOptions) {
    this.alarmDefinitions = alarmsFromTemplate(options.template);
    this.dashboards = dashboardsFromTemplate(options.template);
    this.notifications = new AlarmNotificationSink({ dir: options.notificationsDir });
    this.evaluator = new AlarmEvaluator({
      store: this.metrics,
      alarms: this.alarmDefinitions,
      periodMs: options.periodMs,
      onStateChange: (change) => {
        const delivered = this.notifications.deliver(change);
        options.log?.(
          `[local] alarm ${change.alarm.alarmName}: ${change.oldState} -> ${change.newState}` +
            (delivered.length > 0
              ? ` (notified ${delivered.map((n) => n.TopicArn.split(':').at(-1)).join(', ')})`
              : ''),
        );
      },
      onError: (error) => options.log?.(`[local] alarm evaluation failed: ${(error as Error).message}`),
    });
  }

  public start(): void {
    const period = this.options.periodMs ?? 60_000;
    this.evaluator.start({ everyMs: this.options.evaluateEveryMs ?? Math.min(10_000, Math.max(100, period / 10)) });
  }

  public stop(): void {
    this.evaluator.stop();
  }

  /** Evaluates every alarm now (tests; the runtime evaluates on its own timer too). */
  public evaluateAlarms(): void {
    this.evaluator.evaluate();
  }

  /** Takes a function's log line when it is EMF (returns true: not to be printed). */
  public captureLogLine(line: string): boolean {
    const datapoints = metricsFromEmfLine(line);
    if (!datapoints) return false;
    for (const datapoint of datapoints) this.metrics.put(datapoint);
    return true;
  }

  /** What Lambda publishes for an invocation; for a stream batch, its IteratorAge too. */
  public recordInvocation(
    fn: LocalFunctionDefinition,
    event: unknown,
    result: InvocationResult,
    timing: InvocationTiming,
  ): void {
    const datapoints = lambdaInvocationMetrics({
      functionName: fn.functionName,
      timestampMs: timing.startedAt,
      durationMs: timing.durationMs,
      failed: result.kind === 'error',
    });
    const records = (event as Partial<KinesisStreamEvent> | null)?.Records;
    const last = Array.isArray(records) ? records.at(-1)?.kinesis?.approximateArrivalTimestamp : undefined;
    if (typeof last === 'number') {
      // "the age of the last record in the batch when Lambda sent it" (IteratorAge)
      datapoints.push(
        lambdaIteratorAgeMetric(fn.functionName, timing.startedAt, Math.max(0, timing.startedAt - last * 1000)),
      );
    }
    for (const datapoint of datapoints) this.metrics.put(datapoint);
  }

  /** What API Gateway publishes for a request of an HTTP API ($default stage). */
  public recordApiRequest(request: ApiRequestReport): void {
    const datapoints = httpApiRequestMetrics({
      apiId: request.apiId,
      stage: '$default',
      timestampMs: request.receivedAt,
      statusCode: request.statusCode,
      latencyMs: request.latencyMs,
      integrationLatencyMs: request.integrationLatencyMs,
    });
    for (const datapoint of datapoints) this.metrics.put(datapoint);
  }

  public alarms(): AlarmStatus[] {
    return this.evaluator.alarms();
  }

  public recentNotifications(): readonly SnsNotification[] {
    return this.notifications.recent();
  }

  /** The first dashboard's widgets with what they draw over the last `rangeMs`. */
  public dashboardView(nowMs: number, rangeMs: number): { name?: string; periodMs?: number; widgets: WidgetView[] } {
    const [dashboard] = this.dashboards;
    if (!dashboard) return { widgets: [] };
    const widgets = dashboard.widgets.map((widget): WidgetView => {
      const base = {
        title: widget.title ?? '',
        type: widget.type,
        x: widget.x,
        y: widget.y,
        width: widget.width,
        height: widget.height,
        stat: widget.stat,
        periodSeconds: widget.periodSeconds,
      };
      if (widget.type === 'text') return { ...base, series: [], markdown: String(widget.properties.markdown ?? '') };
      if (widget.type !== 'metric')
        return { ...base, series: [], error: `${widget.type} widgets are not drawn locally` };
      try {
        return {
          ...base,
          series: widgetData(widget, this.metrics, { nowMs, rangeMs, periodMs: this.options.periodMs }),
        };
      } catch (error) {
        return { ...base, series: [], error: (error as Error).message };
      }
    });
    return { name: dashboard.name, ...(this.options.periodMs ? { periodMs: this.options.periodMs } : {}), widgets };
  }
}

/** Where the runtime keeps alarm notifications. */
export const notificationsDirOf = (dataDir: string): string => join(dataDir, 'notifications');
