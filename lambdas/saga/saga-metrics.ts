import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { SagaPhase, SagaState } from '../domain/order-saga';

/**
 * Business metrics of the saga (namespace orderstream): OrdersStarted, OrdersCompleted,
 * OrdersCancelled (dimension `reason`) and CompensationsStarted. Counted once per
 * persisted transition, so redeliveries and replays do not inflate them.
 */
export function sagaMetrics(metrics: Metrics): (from: SagaPhase | undefined, to: SagaState) => void {
  return (from, to) => {
    if (from === undefined) metrics.addMetric('OrdersStarted', MetricUnit.Count, 1);
    if (to.phase === from) return;
    if (to.phase === 'COMPLETED') metrics.addMetric('OrdersCompleted', MetricUnit.Count, 1);
    if (to.phase === 'COMPENSATING') metrics.addMetric('CompensationsStarted', MetricUnit.Count, 1);
    if (to.phase === 'CANCELLED') {
      const single = metrics.singleMetric();
      single.addDimension('reason', to.cancellationReason ?? 'UNKNOWN');
      single.addMetric('OrdersCancelled', MetricUnit.Count, 1);
    }
  };
}
