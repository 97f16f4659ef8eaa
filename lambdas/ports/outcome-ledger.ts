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
