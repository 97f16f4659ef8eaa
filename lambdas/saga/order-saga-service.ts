import type { EventEnvelope } from '../contract/envelope';
import {
  DEFAULT_SAGA_DEADLINE_POLICY,
  decideSaga,
  type SagaDeadlinePolicy,
  type SagaDecision,
  type SagaState,
} from '../domain/order-saga';
import type { EventPublisher } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import { type SagaRepository, SagaVersionConflictError } from '../ports/saga-repository';

/** The saga has no state for the order of a record other than ORDER_CREATED: retry it. */
export class SagaNotFoundError extends Error {
  public readonly name = 'SagaNotFoundError';
}

export interface OrderSagaServiceOptions {
  /** Clock stamping emitted records. @default () => new Date().toISOString() */
  readonly now?: () => string;
  /** Load-decide-write rounds before a version conflict is given up (and retried by Lambda). @default 5 */
  readonly maxAttempts?: number;
  /** Told of every persisted transition (metrics): the state before (none for a new saga) and after. */
  readonly onTransition?: (from: SagaState | undefined, to: SagaState) => void;
  /** Step deadlines and re-drives. @default DEFAULT_SAGA_DEADLINE_POLICY (300 s, 2 re-drives) */
  readonly deadlinePolicy?: SagaDeadlinePolicy;
}

/**
 * Runs the order saga for one incoming record: load -> decide (pure) -> conditional
 * write -> publish.
 *
 * CRASH SAFETY. The state write and the publish are two systems; there is no
 * transaction across DynamoDB and Kinesis, so the design makes the pair safe to
 * repeat instead:
 *
 * 1. The decision (new state AND the records to publish) is written in ONE conditional
 *    put: the state item journals, for every applied incoming eventId, the exact
 *    envelopes it caused (deterministic ids from causedBy, fixed occurredAt).
 * 2. Only then are those envelopes published.
 *
 * - Crash/throttle BEFORE the write: nothing happened; the record fails, Lambda
 *   redelivers it, it is decided afresh.
 * - Write succeeded, publish failed (or the function died before/while publishing):
 *   the record fails (the stream consumer reports it), Lambda redelivers it, `decideSaga` finds its eventId in
 *   the journal and answers REPLAY with the stored envelopes, which are published
 *   again, byte for byte the same. Downstream consumers deduplicate by eventId, so a
 *   replay after a publish that did in fact succeed is harmless.
 * - Later records of the same order are held back while this one fails (the stream
 *   consumer blocks the partition key for the rest of the batch, and Lambda resumes
 *   from the failed record), so no successor can overtake a follow-up that is not on
 *   the stream yet. Even if one did, the state machine never compensates a step
 *   whose command is in flight, so ordering among the saga's own outputs cannot
 *   produce a wrong compensation.
 * - Two invocations deciding on the same version (a redelivery racing its original,
 *   or a reshard): one conditional put wins, the other gets a version conflict,
 *   reloads and decides again: it now sees either a REPLAY (same record: publish the
 *   same ids) or the new state (another record). A state transition, and therefore
 *   every compensation and the terminal event, is decided exactly once; it may be
 *   published more than once, always with the same eventId.
 */
export class OrderSagaService {
  private readonly now: () => string;
  private readonly maxAttempts: number;
  private readonly onTransition: (from: SagaState | undefined, to: SagaState) => void;
  private readonly policy: SagaDeadlinePolicy;

  public constructor(
    private readonly repository: SagaRepository,
    private readonly publisher: EventPublisher,
    private readonly log: Pick<Log, 'info' | 'warn'>,
    options: OrderSagaServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date().toISOString());
    this.maxAttempts = options.maxAttempts ?? 5;
    this.onTransition = options.onTransition ?? (() => undefined);
    this.policy = options.deadlinePolicy ?? DEFAULT_SAGA_DEADLINE_POLICY;
  }

  /** Applies one record; returns what was decided (for logs and tests). */
  public async handle(incoming: EventEnvelope): Promise<SagaDecision['kind']> {
    for (let attempt = 1; ; attempt += 1) {
      const state = await this.repository.get(incoming.orderId);
      const decision = decideSaga(state, incoming, this.now(), this.policy);
      switch (decision.kind) {
        case 'ignored':
          this.log.info('saga ignored record', { reason: decision.reason, phase: state?.phase });
          return decision.kind;
        case 'unknown-order':
          throw new SagaNotFoundError(decision.reason);
        case 'replay':
          this.log.info('record already applied: republishing what it caused', {
            republished: decision.emit.map((e) => e.eventType),
          });
          await this.publish(decision.emit);
          return decision.kind;
        case 'transition':
          try {
            await this.repository.save(decision.state, state?.version);
          } catch (error) {
            if (error instanceof SagaVersionConflictError && attempt < this.maxAttempts) {
              this.log.warn('saga version conflict: reloading and deciding again', { attempt });
              continue;
            }
            throw error;
          }
          this.log.info('saga transition', {
            from: state?.phase,
            to: decision.state.phase,
            version: decision.state.version,
            emitted: decision.emit.map((e) => e.eventType),
          });
          this.onTransition(state, decision.state);
          await this.publish(decision.emit);
          return decision.kind;
      }
    }
  }

  private async publish(events: readonly EventEnvelope[]): Promise<void> {
    // One call: the records of one decision go to different services (e.g. REFUND_PAYMENT
    // and RELEASE_INVENTORY), so their relative order does not matter.
    if (events.length > 0) await this.publisher.publish(events);
  }
}
