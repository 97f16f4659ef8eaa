import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import type { EventPublisher } from '../ports/event-publisher';
import type { SagaDeadlines } from '../ports/saga-repository';
import { SagaSweeper } from './saga-sweeper';

export interface SweeperDeps {
  readonly deadlines: SagaDeadlines;
  readonly publisher: EventPublisher;
  /** The function's logger: each run's lines carry the schedule time. */
  readonly logger: Pick<Logger, 'info' | 'appendKeys' | 'removeKeys'>;
  /** SagasPastDeadline is published each run. */
  readonly metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
}

/** Runs on the stack's EventBridge schedule (rate(1 minute)); the event carries nothing it needs. */
export function createSweeper(deps: SweeperDeps): (event: ScheduledEvent) => Promise<{ due: number }> {
  const sweeper = new SagaSweeper(deps.deadlines, deps.publisher, deps.logger);
  return async (event) => {
    deps.logger.appendKeys({ scheduledAt: event.time });
    try {
      const due = await sweeper.sweep(new Date().toISOString());
      deps.metrics.addMetric('SagasPastDeadline', MetricUnit.Count, due);
      return { due };
    } finally {
      deps.logger.removeKeys(['scheduledAt']);
      deps.metrics.publishStoredMetrics();
    }
  };
}
