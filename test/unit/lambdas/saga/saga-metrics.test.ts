import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SagaState } from '../../../../lambdas/domain/order-saga';
import { sagaMetrics } from '../../../../lambdas/saga/saga-metrics';

function fakeMetrics() {
  const counted: string[] = [];
  const single = { dimensions: {} as Record<string, string>, addDimension: jest.fn(), addMetric: jest.fn() };
  single.addDimension.mockImplementation((name: string, value: string) => (single.dimensions[name] = value));
  single.addMetric.mockImplementation((name: string) => counted.push(`${name}{reason=${single.dimensions.reason}}`));
  const metrics = { addMetric: (name: string) => counted.push(name), singleMetric: () => single } as unknown as Metrics;
  return { metrics, counted };
}

const stateIn = (phase: SagaState['phase'], extra: Partial<SagaState> = {}) => ({ phase, ...extra }) as SagaState;

describe('sagaMetrics', () => {
  it('counts starts, completions, compensations and cancellations by reason, once per phase change', () => {
    // Prepare
    const { metrics, counted } = fakeMetrics();
    const observe = sagaMetrics(metrics);
    // Act
    observe(undefined, stateIn('RESERVING'));
    observe('RESERVING', stateIn('RESERVING', { cancelRequested: true }));
    observe('PAYING', stateIn('COMPENSATING'));
    observe('COMPENSATING', stateIn('CANCELLED', { cancellationReason: 'PAYMENT_DECLINED' }));
    observe('SHIPPING', stateIn('COMPLETED'));
    // Assess
    expect(counted).toEqual([
      'OrdersStarted',
      'CompensationsStarted',
      'OrdersCancelled{reason=PAYMENT_DECLINED}',
      'OrdersCompleted',
    ]);
  });
});
