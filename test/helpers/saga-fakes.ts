import type { EventEnvelope } from '../../lambdas/contract/envelope';
import type { SagaState } from '../../lambdas/domain/order-saga';
import type { EventPublisher } from '../../lambdas/ports/event-publisher';
import { PublishError } from '../../lambdas/ports/event-publisher';
import { type SagaRepository, SagaVersionConflictError } from '../../lambdas/ports/saga-repository';

/** An in-memory SagaRepository with the same optimistic-locking contract as DynamoDB's. */
export class InMemorySagaRepository implements SagaRepository {
  public readonly items = new Map<string, SagaState>();
  public writes = 0;
  /** Runs before each save; lets a test slip in a concurrent writer. */
  public beforeSave: ((state: SagaState) => void) | undefined;

  public async get(orderId: string): Promise<SagaState | undefined> {
    const item = this.items.get(orderId);
    return item ? structuredClone(item) : undefined;
  }

  public async save(state: SagaState, expectedVersion: number | undefined): Promise<void> {
    const hook = this.beforeSave;
    this.beforeSave = undefined;
    hook?.(state);
    const current = this.items.get(state.orderId);
    if (current?.version !== expectedVersion) throw new SagaVersionConflictError(state.orderId, expectedVersion);
    this.items.set(state.orderId, structuredClone(state));
    this.writes += 1;
  }
}

/** Records what is published; `failNext` makes the next call throw PublishError. */
export class RecordingPublisher implements EventPublisher {
  public readonly published: EventEnvelope[] = [];
  public failNext = 0;

  public async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new PublishError('stream unavailable', events.length, ['InternalFailure']);
    }
    this.published.push(...structuredClone(events));
  }

  public types(): string[] {
    return this.published.map((e) => e.eventType);
  }
}
