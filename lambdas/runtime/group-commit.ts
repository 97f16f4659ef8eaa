/** What one request of a group got: its value, or its own error. */
export type Outcome<T> = { readonly value: T } | { readonly error: unknown };

interface Waiting<In, Out> {
  readonly input: In;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

/**
 * Group commit: concurrent requests share calls. One call is in flight at a time; requests
 * submitted while it flies wait and go together in the next one. Alone, a request goes out at
 * once (after the current I/O callbacks, so requests made in the same turn share a call): no
 * added wait when idle, large calls under load. Each request settles with its own outcome; a
 * call that throws rejects the requests it carried, and later requests go on.
 *
 * Used where a consumer's concurrent records would each pay a call of their own
 * (adapters/coalescing-event-publisher.ts, adapters/dynamodb-item-reader.ts).
 */
export class GroupCommit<In, Out> {
  private waiting: Waiting<In, Out>[] = [];
  private draining = false;

  /** `call` answers one outcome per input, in input order. */
  public constructor(private readonly call: (inputs: readonly In[]) => Promise<readonly Outcome<Out>[]>) {}

  public submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Sends what waits, one call at a time, until nothing waits. */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting;
        this.waiting = [];
        try {
          const outcomes = await this.call(group.map((waiting) => waiting.input));
          group.forEach((waiting, i) => {
            const outcome = outcomes[i];
            if (!outcome) waiting.reject(new Error(`group commit: no outcome for request ${i} of ${group.length}`));
            else if ('error' in outcome) waiting.reject(outcome.error);
            else waiting.resolve(outcome.value);
          });
        } catch (error) {
          for (const waiting of group) waiting.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
