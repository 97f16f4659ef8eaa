import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { maskingJsonReplacer } from './masking';

/** Log keys of the record being processed, and its child logger once something was logged. */
interface RecordLogScope {
  readonly keys: Record<string, string>;
  child?: Logger;
}

const recordScopes = new AsyncLocalStorage<RecordLogScope>();

/**
 * The function's logger. Inside `withRecordLogKeys` (the stream consumer runs each record in one)
 * every line goes through a child logger carrying that record's keys (orderId, eventId,
 * eventType): records of several orders are processed at once, so keys appended to one shared
 * logger would land on the other records' lines. Use cases keep receiving this one logger.
 */
class RecordScopedLogger extends Logger {
  public override debug(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    const child = this.recordChild();
    if (child) child.debug(input, ...extra);
    else super.debug(input, ...extra);
  }

  public override info(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    const child = this.recordChild();
    if (child) child.info(input, ...extra);
    else super.info(input, ...extra);
  }

  public override warn(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    const child = this.recordChild();
    if (child) child.warn(input, ...extra);
    else super.warn(input, ...extra);
  }

  public override error(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    const child = this.recordChild();
    if (child) child.error(input, ...extra);
    else super.error(input, ...extra);
  }

  public override critical(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    const child = this.recordChild();
    if (child) child.critical(input, ...extra);
    else super.critical(input, ...extra);
  }

  /** Created on the first line a record logs: most records log nothing at INFO. */
  private recordChild(): Logger | undefined {
    const scope = recordScopes.getStore();
    if (!scope) return undefined;
    scope.child ??= this.createChild({ persistentKeys: scope.keys });
    return scope.child;
  }
}

/**
 * One configured instance of each Powertools utility per function. The service name
 * comes from POWERTOOLS_SERVICE_NAME (set per function by the CDK construct), the
 * metrics namespace from POWERTOOLS_METRICS_NAMESPACE.
 */
export const logger: Logger = new RecordScopedLogger({ jsonReplacerFn: maskingJsonReplacer }); // masks personal data
export const tracer = new Tracer();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'orderstream' });

/** Runs `fn` with `keys` on every line `logger` writes from it (and from what it awaits). */
export function withRecordLogKeys<T>(keys: Record<string, string>, fn: () => T): T {
  return recordScopes.run({ keys }, fn);
}
