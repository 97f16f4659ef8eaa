import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { maskingJsonReplacer } from './masking';

/** Log keys of the record being processed (orderId, eventId, eventType). */
const recordKeys = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/**
 * The function's logger. Inside `withRecordLogKeys` (the stream consumer runs each record in one)
 * every line also carries that record's keys: records of several orders are processed at once,
 * so keys appended to the shared logger would land on the other records' lines. The keys go in
 * as one more attribute object of the call, so no per-record logger is built.
 * Use cases keep receiving this one logger.
 */
class RecordScopedLogger extends Logger {
  public override debug(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.debug(input, ...withRecordKeys(extra));
  }

  public override info(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.info(input, ...withRecordKeys(extra));
  }

  public override warn(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.warn(input, ...withRecordKeys(extra));
  }

  public override error(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.error(input, ...withRecordKeys(extra));
  }

  public override critical(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    super.critical(input, ...withRecordKeys(extra));
  }
}

/** `extra` with the current record's keys first (a call's own attributes win). */
function withRecordKeys(extra: LogItemExtraInput): LogItemExtraInput {
  const keys = recordKeys.getStore();
  return keys ? ([keys, ...extra] as LogItemExtraInput) : extra;
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
  return recordKeys.run(keys, fn);
}
