/**
 * The logging port of the use cases: structured messages with extra fields. Powertools' Logger
 * (runtime/powertools.ts) satisfies it; tests pass stubs. A use case asks only for the levels it
 * uses (`Pick<Log, 'info' | 'warn'>`), so a stub needs no more.
 */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Logs nothing: for tools that run the use cases in process (lambdas/ops) and tests. */
export const SILENT_LOG: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
