import { type Clock, systemClock } from './clock';

/** Wakes every waiter on notify(); waiters re-check their condition. */
export class Signal {
  private waiters: Array<() => void> = [];

  /** Resolves on the next notify(), or after `timeoutMs` on `clock` if given. */
  public wait(timeoutMs?: number, clock: Clock = systemClock): Promise<void> {
    return new Promise((resolve) => {
      let cancelTimer: (() => void) | undefined;
      const wake = (): void => {
        cancelTimer?.();
        resolve();
      };
      this.waiters.push(wake);
      if (timeoutMs !== undefined) {
        cancelTimer = clock.setTimer(timeoutMs, () => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        });
      }
    });
  }

  public notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
