import { ENV } from '../contract/environment';
import { MAX_FAULT_RATE } from '../contract/limits';
import { optionalEnv } from './config';

/**
 * A LOCAL-ONLY fault switch for soak tests: with ORDERSTREAM_FAULT_RATE = r (0 < r <= 0.5)
 * the stream consumer fails a share r of the records it handles, in three equal parts:
 * - `before`: throws before the handler runs (nothing done, record redelivered);
 * - `after`:  throws after the handler completed (effect and publish done, the record is
 *             reported failed and redelivered: the consumer's guard must make it a no-op);
 * - `exit`:   kills the process (process.exit) at a random moment while the handler runs,
 *             so the effect may be half done: the redelivery must complete it.
 * The stack sets the variable only for stage `local` and refuses it for any other stage
 * (context key `faultInjectionRate`, lib/app-config.ts).
 */

export type FaultKind = 'before' | 'after' | 'exit';

export class InjectedFaultError extends Error {
  public readonly name = 'InjectedFaultError';
}

export interface FaultInjectionDeps {
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Ends the process. @default process.exit(1) */
  readonly exit?: () => void;
  /** Longest delay before an `exit` fault fires while the handler runs. @default 50 ms */
  readonly maxExitDelayMs?: number;
}

/** Checks a fault rate: a number in 0..0.5 (0 = off). Throws a message naming the bound otherwise. */
export function parseFaultRate(raw: string | number, source: string = ENV.faultRate): number {
  const rate = typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw.trim());
  if (!Number.isFinite(rate) || rate < 0 || rate > MAX_FAULT_RATE) {
    throw new Error(`${source} must be a number in 0..${MAX_FAULT_RATE}; got '${raw}'`);
  }
  return rate;
}

/** Runs `handle` with an injected fault drawn at `rate`; a rate of 0 runs it untouched. */
export type FaultInjector = (handle: () => Promise<void>) => Promise<void>;

export function faultInjector(rate: number, deps: FaultInjectionDeps = {}): FaultInjector | undefined {
  if (rate === 0) return undefined;
  const random = deps.random ?? Math.random;
  const exit = deps.exit ?? (() => process.exit(1));
  const maxExitDelayMs = deps.maxExitDelayMs ?? 50;
  return async (handle) => {
    const kind = drawFault(rate, random());
    if (kind === 'before') throw new InjectedFaultError('injected fault before the handler');
    if (kind === 'exit') {
      const timer = setTimeout(exit, Math.floor(random() * maxExitDelayMs));
      try {
        await handle();
      } finally {
        clearTimeout(timer);
      }
      // The handler beat the timer: die now, before the record is reported done.
      exit();
      return;
    }
    await handle();
    if (kind === 'after') throw new InjectedFaultError('injected fault after the handler completed');
  };
}

/** Which fault (if any) a draw `u` in [0, 1) gives at `rate`: three equal thirds of [0, rate). */
export function drawFault(rate: number, u: number): FaultKind | undefined {
  if (u >= rate) return undefined;
  const third = rate / 3;
  return u < third ? 'before' : u < 2 * third ? 'after' : 'exit';
}

/** The injector configured by ORDERSTREAM_FAULT_RATE, or undefined when unset or 0. */
export function faultInjectorFromEnv(deps: FaultInjectionDeps = {}): FaultInjector | undefined {
  const raw = optionalEnv(ENV.faultRate);
  return raw === undefined ? undefined : faultInjector(parseFaultRate(raw), deps);
}
