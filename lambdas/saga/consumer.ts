import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SAGA_INPUT_TYPES, type SagaDeadlinePolicy } from '../domain/order-saga';
import type { EventPublisher } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import type { SagaRepository } from '../ports/saga-repository';
import { createStreamConsumer, handleAll, type StreamConsumerHandler } from '../runtime/stream-consumer';
import { OrderSagaService } from './order-saga-service';
import { sagaMetrics } from './saga-metrics';

export interface SagaConsumerDeps {
  readonly repository: SagaRepository;
  readonly publisher: EventPublisher;
  readonly log: Pick<Log, 'info' | 'warn'>;
  /** Where each transition is counted (SagaStarted, SagaCompleted, ...). */
  readonly metrics: Metrics;
  /** Step deadlines (props sagaStepTimeout, sagaMaxRedrives of the stack). */
  readonly deadlinePolicy: SagaDeadlinePolicy;
}

/**
 * The orchestrator: consumes ORDER_CREATED, customer cancels, every service outcome and the
 * sweeper's SAGA_STEP_TIMED_OUT. Its exactly-once guard is the versioned journal of the saga item.
 */
export function createSagaConsumer(deps: SagaConsumerDeps): StreamConsumerHandler {
  const saga = new OrderSagaService(deps.repository, deps.publisher, deps.log, {
    onTransition: sagaMetrics(deps.metrics, deps.deadlinePolicy),
    deadlinePolicy: deps.deadlinePolicy,
  });
  return createStreamConsumer({
    handlers: handleAll(SAGA_INPUT_TYPES, async (event) => {
      await saga.handle(event);
    }),
  });
}
