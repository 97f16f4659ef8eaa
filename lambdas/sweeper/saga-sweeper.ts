import { stepTimedOutEvent } from '../domain/order-saga';
import type { EventPublisher } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import type { SagaDeadlines } from '../ports/saga-repository';

export interface SagaSweeperOptions {
  /** Most sagas handled per run; the rest wait for the next run (earliest deadlines first). @default 500 */
  readonly maxPerRun?: number;
}

/**
 * The saga deadline sweeper, run on a schedule: finds the sagas whose step deadline has
 * passed (the sparse deadline index: only non-terminal sagas, no table scan) and puts one
 * SAGA_STEP_TIMED_OUT per saga on the stream. It decides nothing and writes no saga state:
 * the saga consumes the event and re-drives or times out the step (domain/order-saga.ts), or
 * ignores it if the saga moved on. Running twice, or concurrently, is harmless: the event of
 * a saga at a given version always has the same eventId, which the saga applies once.
 */
export class SagaSweeper {
  private readonly maxPerRun: number;

  public constructor(
    private readonly deadlines: SagaDeadlines,
    private readonly publisher: EventPublisher,
    private readonly log: Pick<Log, 'info'>,
    options: SagaSweeperOptions = {},
  ) {
    this.maxPerRun = options.maxPerRun ?? 500;
  }

  /** One sweep at `now` (ISO-8601); returns how many sagas were past their deadline. */
  public async sweep(now: string): Promise<number> {
    const due = await this.deadlines.findDue(now, this.maxPerRun);
    // The publisher splits into PutRecords calls itself; the records of different orders are independent.
    if (due.length > 0) await this.publisher.publish(due.map((saga) => stepTimedOutEvent(saga, now)));
    this.log.info('saga deadlines swept', {
      due: due.length,
      orders: due.slice(0, 20).map((saga) => saga.orderId),
    });
    return due.length;
  }
}
