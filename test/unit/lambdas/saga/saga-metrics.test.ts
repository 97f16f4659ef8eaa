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
    observe(stateIn('RESERVING'), stateIn('RESERVING', { cancelRequested: true }));
    observe(stateIn('PAYING'), stateIn('COMPENSATING'));
    observe(stateIn('COMPENSATING'), stateIn('CANCELLED', { cancellationReason: 'PAYMENT_DECLINED' }));
    observe(stateIn('SHIPPING'), stateIn('COMPLETED'));
    // Assess
    expect(counted).toEqual([
      'OrdersStarted',
      'CompensationsStarted',
      'OrdersCancelled{reason=PAYMENT_DECLINED}',
      'OrdersCompleted',
    ]);
  });

  it('counts re-drives, and a step that timed out or a compensation re-driven past maxRedrives as timed out', () => {
    // Prepare
    const { metrics, counted } = fakeMetrics();
    const observe = sagaMetrics(metrics, { stepTimeoutSeconds: 60, maxRedrives: 2 });
    // Act
    observe(stateIn('PAYING', { redrives: 0 }), stateIn('PAYING', { redrives: 1 }));
    observe(stateIn('PAYING', { redrives: 2 }), stateIn('COMPENSATING', { redrives: 0, timedOutStep: 'PAYING' }));
    observe(
      stateIn('COMPENSATING', { redrives: 0, timedOutStep: 'PAYING' }),
      stateIn('COMPENSATING', { redrives: 1, timedOutStep: 'PAYING' }),
    );
    observe(stateIn('COMPENSATING', { redrives: 2 }), stateIn('COMPENSATING', { redrives: 3 }));
    // Assess
    expect(counted).toEqual([
      'SagaStepsRedriven',
      'SagaStepsTimedOut',
      'CompensationsStarted',
      'SagaStepsRedriven',
      'SagaStepsRedriven',
      'SagaStepsTimedOut',
    ]);
  });
});
