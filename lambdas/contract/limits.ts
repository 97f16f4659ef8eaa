/**
 * Limits and defaults that both the stack (synth-time checks) and the functions (init-time checks)
 * apply: stated once here, so the two cannot disagree.
 */

/** An inclusive integer range. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** Saga step deadline in seconds: at least 10 s (a step needs a few hops), at most a day. */
export const SAGA_STEP_TIMEOUT_SECONDS: IntegerRange = { min: 10, max: 86_400 };
/** Re-drives of a stalled step before the saga compensates. */
export const SAGA_MAX_REDRIVES: IntegerRange = { min: 0, max: 10 };

/** The deadline policy when the stack sets none (deployed stages; stage 'local' uses 30 s). */
export const DEFAULT_SAGA_STEP_TIMEOUT_SECONDS = 300;
export const LOCAL_SAGA_STEP_TIMEOUT_SECONDS = 30;
export const DEFAULT_SAGA_MAX_REDRIVES = 2;

/** Records of one batch a consumer handles at once. */
export const CONSUMER_CONCURRENCY: IntegerRange = { min: 1, max: 100 };
export const DEFAULT_CONSUMER_CONCURRENCY = 32;

/** Highest share of records the local fault switch may fail. */
export const MAX_FAULT_RATE = 0.5;
