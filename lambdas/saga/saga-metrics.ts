import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEFAULT_SAGA_DEADLINE_POLICY, type SagaDeadlinePolicy, type SagaState } from '../domain/order-saga';

/**
 * Business metrics of the saga (namespace orderstream, dimension service=saga):
 * OrdersStarted, OrdersCompleted, OrdersCancelled (dimension `reason`), CompensationsStarted,
 * and the deadline metrics: SagaStepsRedriven (a stalled step's commands re-published) and
 * SagaStepsTimedOut (a step failed the order after its re-drives, or a compensation is still
 * unanswered after maxRedrives: it keeps being re-driven, and the alarm on this metric fires).
 * Counted once per persisted transition, so redeliveries and replays do not inflate them.
 */
export function sagaMetrics(
  metrics: Metrics,
  policy: SagaDeadlinePolicy = DEFAULT_SAGA_DEADLINE_POLICY,
): (from: SagaState | undefined, to: SagaState) => void {
  return (from, to) => {
    const redriven = (to.redrives ?? 0) > (from?.redrives ?? 0);
    if (redriven) metrics.addMetric('SagaStepsRedriven', MetricUnit.Count, 1);
    const stepTimedOut = to.timedOutStep !== undefined && from?.timedOutStep === undefined;
    const compensationStalled = redriven && to.phase === 'COMPENSATING' && (to.redrives ?? 0) > policy.maxRedrives;
    if (stepTimedOut || compensationStalled) metrics.addMetric('SagaStepsTimedOut', MetricUnit.Count, 1);

    if (from === undefined) metrics.addMetric('OrdersStarted', MetricUnit.Count, 1);
    if (to.phase === from?.phase) return;
    if (to.phase === 'COMPLETED') metrics.addMetric('OrdersCompleted', MetricUnit.Count, 1);
    if (to.phase === 'COMPENSATING') metrics.addMetric('CompensationsStarted', MetricUnit.Count, 1);
    if (to.phase === 'CANCELLED') {
      const single = metrics.singleMetric();
      single.addDimension('reason', to.cancellationReason ?? 'UNKNOWN');
      single.addMetric('OrdersCancelled', MetricUnit.Count, 1);
    }
  };
}
