/**
 * The time the mapping engine reads for what Lambda's users can see: the batching window
 * (MaximumBatchingWindowInSeconds), record age (MaximumRecordAgeInSeconds) and retry back-off.
 * Injectable so tests move time forward instead of sleeping. I/O timings (subscription renewal,
 * reconnect delays, `idle()` polling) stay on real time: they pace the talk with kinesis-mock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once `ms` have passed on this clock; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** Resolves after `ms` on `clock`. */
export const sleep = (ms: number, clock: Clock = systemClock): Promise<void> =>
  new Promise((resolve) => {
    clock.setTimer(ms, resolve);
  });

interface PendingTimer {
  readonly dueAt: number;
  fire(): void;
}

/**
 * Real time plus an offset that tests move forward: `advance(ms)` jumps ahead and fires at once
 * every timer due by then. Time keeps flowing in between, so emulators and the engine interact
 * as usual; only the long waits are skipped.
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  private readonly pending = new Set<PendingTimer>();

  public now(): number {
    return Date.now() + this.offsetMs;
  }

  public setTimer(ms: number, fn: () => void): () => void {
    let real: NodeJS.Timeout | undefined;
    const timer: PendingTimer = {
      dueAt: this.now() + ms,
      fire: () => {
        cancel();
        fn();
      },
    };
    const cancel = (): void => {
      clearTimeout(real);
      this.pending.delete(timer);
    };
    real = setTimeout(timer.fire, Math.max(0, ms));
    this.pending.add(timer);
    return cancel;
  }

  /** Moves this clock `ms` ahead (never back); timers due by then fire now, oldest first. */
  public advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward; got ${ms} ms`);
    this.offsetMs += ms;
    const now = this.now();
    const due = [...this.pending].filter((t) => t.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
    for (const timer of due) timer.fire();
  }
}
