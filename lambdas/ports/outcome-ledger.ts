import type { Log } from './log';

/**
 * The side-effect ledger (LEDGER_TABLE): at most one recorded outcome per (orderId, entry),
 * e.g. entry `PAYMENT#CHARGE`, `PAYMENT#REFUND`, `SHIPMENT`. The first recorder wins;
 * everyone else reads what it recorded, so a redelivered command republishes the same outcome.
 */
export interface OutcomeLedger {
  get<T extends Record<string, unknown>>(orderId: string, entry: string): Promise<T | undefined>;
  /**
   * Records `outcome` unless the entry exists. Returns the outcome that is now on record:
   * `outcome` itself (`recorded: true`) or the earlier one (`recorded: false`).
   */
  recordOnce<T extends Record<string, unknown>>(
    orderId: string,
    entry: string,
    outcome: T,
  ): Promise<{ readonly recorded: boolean; readonly outcome: T }>;
}

export const LedgerEntry = {
  charge: 'PAYMENT#CHARGE',
  refund: 'PAYMENT#REFUND',
  shipment: 'SHIPMENT',
} as const;

/** Which ledger entry `outcomeOnce` decides, and how it logs it. */
export interface OnceOnlyEntry {
  readonly orderId: string;
  readonly entry: string;
  /** The effect, as it starts the log messages, e.g. 'charge'. */
  readonly effect: string;
  /** Logged after an attempt, e.g. 'charge attempted' (the e2e tests count these). */
  readonly attemptedMessage: string;
}

/**
 * The outcome of an entry for an order, decided once: the one on record when there is one (a
 * redelivered command: `attempt` is not called), else what `attempt` returns, recorded first
 * writer wins (if a concurrent attempt recorded first, its outcome is returned instead).
 */
export async function outcomeOnce<T extends Record<string, unknown>>(
  ledger: OutcomeLedger,
  log: Pick<Log, 'info'>,
  { orderId, entry, effect, attemptedMessage }: OnceOnlyEntry,
  attempt: () => Promise<T>,
): Promise<T> {
  const onRecord = await ledger.get<T>(orderId, entry);
  if (onRecord) {
    log.info(`${effect} already on record; republishing its outcome`, { orderId, outcome: onRecord });
    return onRecord;
  }
  const { recorded, outcome } = await ledger.recordOnce(orderId, entry, await attempt());
  log.info(attemptedMessage, { orderId, outcome, recordedFirst: recorded });
  return outcome;
}
