import type { EventEnvelope } from '../contract/envelope';
import { type ProjectionDecision, projectOrderEvent } from '../domain/order-projection';
import type { Log } from '../ports/log';
import { type OrderReadModelWriter, ReadModelVersionConflictError } from '../ports/order-read-model';

/**
 * Maintains the order read model: load the view, project the event (pure), write it
 * conditioned on the version read; on a conflict reload and project again. A replayed
 * event projects to `ignored`, so the whole stream can be replayed safely.
 */
export class OrderProjector {
  public constructor(
    private readonly readModel: OrderReadModelWriter,
    private readonly log: Pick<Log, 'info' | 'warn'>,
    private readonly maxAttempts = 5,
  ) {}

  public async handle(event: EventEnvelope): Promise<ProjectionDecision['kind']> {
    for (let attempt = 1; ; attempt += 1) {
      const view = await this.readModel.get(event.orderId);
      const decision = projectOrderEvent(view, event);
      if (decision.kind === 'ignored') {
        this.log.info('projection ignored event', { reason: decision.reason });
        return decision.kind;
      }
      try {
        await this.readModel.save(decision.view, view?.version);
        this.log.info('order view updated', { status: decision.view.status, version: decision.view.version });
        return decision.kind;
      } catch (error) {
        if (error instanceof ReadModelVersionConflictError && attempt < this.maxAttempts) {
          this.log.warn('order view version conflict: reloading', { attempt });
          continue;
        }
        throw error;
      }
    }
  }
}
