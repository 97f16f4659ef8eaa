import { randomUUID } from 'node:crypto';
import type { InvocationResult } from './esm/types';
import type { LocalTemplate } from './template';

/**
 * The template's schedules, run locally: every enabled AWS::Events::Rule with a ScheduleExpression
 * and every enabled AWS::Scheduler::Schedule invokes its Lambda target(s) each period, with the
 * event AWS sends for a scheduled rule (or the target's constant Input). One invocation at a time
 * per schedule and target: a tick that finds the previous invocation still running is skipped.
 * rate() expressions run; cron() and at() are logged and not run locally.
 */

export interface LocalSchedule {
  /** Template logical id. */
  readonly id: string;
  /** Rule (or schedule) ARN: the scheduled event's `resources`. */
  readonly arn: string;
  readonly expression: string;
  /** Period of a rate() expression; undefined for cron()/at(). */
  readonly periodMs: number | undefined;
  /** ARNs of the Lambda functions to invoke. */
  readonly targets: ReadonlyArray<{ readonly functionArn: string; readonly input?: unknown }>;
}

const UNITS_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

export class ScheduleExpressionError extends Error {
  public readonly name = 'ScheduleExpressionError';
}

/** `rate(5 minutes)` -> 300000; cron()/at() -> undefined (not run locally). EventBridge: "rate(value unit)". */
export function ratePeriodMs(expression: string): number | undefined {
  if (/^(cron|at)\(.*\)$/.test(expression.trim())) return undefined;
  const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!match) throw new ScheduleExpressionError(`unsupported schedule expression '${expression}'`);
  const value = Number(match[1]);
  const unit = match[2]!; // the unit group always participates in a match
  // EventBridge wants the singular for 1 and the plural otherwise.
  if (value < 1 || (value === 1) !== !unit.endsWith('s'))
    throw new ScheduleExpressionError(`invalid rate '${expression}': use 'rate(1 minute)' or 'rate(N minutes)'`);
  const unitMs = UNITS_MS[unit];
  if (unitMs === undefined) throw new ScheduleExpressionError(`unsupported rate unit '${unit}' in '${expression}'`);
  return value * unitMs;
}

/** `500ms`, `5s`, `2m`, `1h` -> milliseconds (the local override of every rate). */
export function parseInterval(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new ScheduleExpressionError(`'${text}' is not an interval like 500ms, 5s, 2m or 1h`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  if (ms < 1) throw new ScheduleExpressionError(`interval '${text}' is shorter than 1 ms`);
  return ms;
}

/** The enabled schedules of a template whose targets are Lambda functions. */
export function scheduleDefinitions(template: LocalTemplate): LocalSchedule[] {
  const schedules: LocalSchedule[] = [];
  const lambdaTargets = (targets: unknown[]): LocalSchedule['targets'] =>
    targets
      .map((target) => template.resolve(target) as { Arn?: string; Input?: string })
      .filter((target) => typeof target.Arn === 'string' && target.Arn.startsWith('arn:aws:lambda:'))
      .map((target) => ({
        functionArn: target.Arn as string,
        input: target.Input === undefined ? undefined : JSON.parse(target.Input),
      }));
  for (const { logicalId, resource } of template.resourcesOfType('AWS::Events::Rule')) {
    const props = resource.Properties ?? {};
    if (props.ScheduleExpression === undefined || props.State === 'DISABLED') continue;
    const expression = String(template.resolve(props.ScheduleExpression));
    schedules.push({
      id: logicalId,
      arn: template.getAtt(logicalId, 'Arn'),
      expression,
      periodMs: ratePeriodMs(expression),
      targets: lambdaTargets((props.Targets as unknown[] | undefined) ?? []),
    });
  }
  for (const { logicalId, resource } of template.resourcesOfType('AWS::Scheduler::Schedule')) {
    const props = resource.Properties ?? {};
    if (props.State === 'DISABLED') continue;
    const expression = String(template.resolve(props.ScheduleExpression));
    schedules.push({
      id: logicalId,
      arn: template.getAtt(logicalId, 'Arn'),
      expression,
      periodMs: ratePeriodMs(expression),
      targets: lambdaTargets(props.Target ? [props.Target] : []),
    });
  }
  return schedules.filter((schedule) => schedule.targets.length > 0);
}

/** The event EventBridge sends a Lambda target of a scheduled rule. */
export function scheduledEvent(
  scheduleArn: string,
  at: Date,
  context: { region: string; accountId: string },
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: context.accountId,
    // EventBridge's `time` has no milliseconds: 2015-10-08T16:53:06Z
    time: `${at.toISOString().slice(0, 19)}Z`,
    region: context.region,
    resources: [scheduleArn],
    detail: {},
  };
}

export interface SchedulerOptions {
  readonly schedules: readonly LocalSchedule[];
  readonly invoke: (functionArn: string, event: unknown) => Promise<InvocationResult>;
  readonly region: string;
  readonly accountId: string;
  /** Runs every rate() schedule at this period instead of its own. @default each schedule's rate */
  readonly everyMs?: number;
  readonly log?: (line: string) => void;
}

/** Ticks every schedule; `stop()` clears the timers and waits for invocations in flight. */
export class LocalScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;
  private readonly log: (line: string) => void;

  public constructor(private readonly options: SchedulerOptions) {
    this.log = options.log ?? (() => undefined);
  }

  public start(): void {
    for (const schedule of this.options.schedules) {
      if (schedule.periodMs === undefined) {
        this.log(`[schedule ${schedule.id}] ${schedule.expression}: only rate() runs locally, not run`);
        continue;
      }
      const periodMs = this.options.everyMs ?? schedule.periodMs;
      this.log(
        `[schedule ${schedule.id}] ${schedule.expression}: every ${periodMs} ms` +
          (this.options.everyMs === undefined ? '' : ' (local override)'),
      );
      schedule.targets.forEach((target, index) => {
        const timer = setInterval(() => this.tick(schedule, target, `${schedule.id}#${index}`), periodMs);
        timer.unref();
        this.timers.push(timer);
      });
    }
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.all(this.running.values());
  }

  private tick(schedule: LocalSchedule, target: LocalSchedule['targets'][number], key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.log(`[schedule ${schedule.id}] previous invocation still running: tick skipped`);
      return;
    }
    const { region, accountId } = this.options;
    const event = target.input ?? scheduledEvent(schedule.arn, new Date(), { region, accountId });
    const run = this.options
      .invoke(target.functionArn, event)
      .then((result) => {
        if (result.kind === 'error')
          this.log(
            `[schedule ${schedule.id}] ${target.functionArn} failed: ${result.errorType}: ${result.errorMessage}`,
          );
      })
      .catch((error: unknown) => this.log(`[schedule ${schedule.id}] invoke failed: ${(error as Error).message}`))
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
  }
}
