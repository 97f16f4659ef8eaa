import {
  httpApiRequestMetrics,
  lambdaInvocationMetrics,
  lambdaIteratorAgeMetric,
  lambdaThrottleMetrics,
} from '../../../../local/cloudwatch/aws-metrics';

const T0 = Date.UTC(2026, 6, 12, 10, 0, 0);

describe('AWS-published metrics', () => {
  it('emits Invocations, Errors (0 too), Throttles and Duration per invocation with FunctionName', () => {
    const ok = lambdaInvocationMetrics({ functionName: 'fn', timestampMs: T0, durationMs: 42, failed: false });
    const failed = lambdaInvocationMetrics({ functionName: 'fn', timestampMs: T0, durationMs: 7, failed: true });

    expect(ok.map((p) => [p.namespace, p.metricName, p.dimensions, p.value, p.unit])).toEqual([
      ['AWS/Lambda', 'Invocations', { FunctionName: 'fn' }, 1, 'Count'],
      ['AWS/Lambda', 'Errors', { FunctionName: 'fn' }, 0, 'Count'],
      ['AWS/Lambda', 'Throttles', { FunctionName: 'fn' }, 0, 'Count'],
      ['AWS/Lambda', 'Duration', { FunctionName: 'fn' }, 42, 'Milliseconds'],
    ]);
    expect(failed.find((p) => p.metricName === 'Errors')?.value).toBe(1);
  });

  it('counts a throttle without an invocation', () => {
    expect(lambdaThrottleMetrics('fn', T0).map((p) => [p.metricName, p.value])).toEqual([['Throttles', 1]]);
  });

  it('emits IteratorAge in milliseconds per batch', () => {
    expect(lambdaIteratorAgeMetric('fn', T0, 1500)).toEqual({
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensions: { FunctionName: 'fn' },
      timestampMs: T0,
      value: 1500,
      unit: 'Milliseconds',
    });
  });

  it('emits Count, 4xx, 5xx, Latency and IntegrationLatency per [ApiId] and [ApiId, Stage]', () => {
    const points = httpApiRequestMetrics({
      apiId: 'api1',
      stage: '$default',
      timestampMs: T0,
      statusCode: 503,
      latencyMs: 20,
      integrationLatencyMs: 15,
    });

    const byApi = points.filter((p) => p.dimensions.Stage === undefined);
    expect(byApi.map((p) => [p.metricName, p.value])).toEqual([
      ['Count', 1],
      ['4xx', 0],
      ['5xx', 1],
      ['Latency', 20],
      ['IntegrationLatency', 15],
    ]);
    expect(points.filter((p) => p.dimensions.Stage === '$default')).toHaveLength(5);
    expect(points.every((p) => p.namespace === 'AWS/ApiGateway' && p.dimensions.ApiId === 'api1')).toBe(true);
  });

  it('counts a 4xx as 4xx and not as 5xx, and leaves IntegrationLatency out when no integration ran', () => {
    const points = httpApiRequestMetrics({ apiId: 'a', stage: 's', timestampMs: T0, statusCode: 404, latencyMs: 1 });
    const value = (name: string) => points.find((p) => p.metricName === name && !p.dimensions.Stage)?.value;

    expect([value('4xx'), value('5xx'), value('IntegrationLatency')]).toEqual([1, 0, undefined]);
  });
});
