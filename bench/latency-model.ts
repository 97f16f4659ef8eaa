import { setTimeout as sleep } from 'node:timers/promises';

type Next = (args: object) => Promise<unknown>;

/** The one method of an SDK v3 middleware stack the model uses, for any client's input and output types. */
interface AnyStack {
  add(middleware: (next: Next) => Next, options: { step: 'finalizeRequest'; name: string }): void;
}

/**
 * An AWS-like latency model, benchmarks only: every call `client` sends waits `ms` first, the
 * round trip of a call inside one region (DynamoDB ~5 ms, Kinesis ~10 ms). The emulators' own
 * time comes on top, so rates measured with it are a floor for what AWS would do.
 */
export function addCallLatency(client: { readonly middlewareStack: object }, ms: number): void {
  // A delay ignores the client's input and output types, which the stack's own typing insists on.
  (client.middlewareStack as AnyStack).add(
    (next) => async (args) => {
      await sleep(ms);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchCallLatency' },
  );
}

/** The model of issue 9: 5 ms per DynamoDB call, 10 ms per Kinesis call. */
export const AWS_LIKE_LATENCY = { dynamoDbMs: 5, kinesisMs: 10 } as const;

/** Counts the calls `client` sends from now on; read the count with the returned function. */
export function countCalls(client: { readonly middlewareStack: object }): () => number {
  let calls = 0;
  (client.middlewareStack as AnyStack).add(
    (next) => async (args) => {
      calls++;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchCallCounter' },
  );
  return () => calls;
}
