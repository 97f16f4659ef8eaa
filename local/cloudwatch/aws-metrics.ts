import type { Datapoint } from './metric-store';

/**
 * The metrics AWS publishes by itself, built for the local runtime to put in the store.
 * Lambda: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 * HTTP API: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
 */

export interface LambdaInvocation {
  readonly functionName: string;
  readonly timestampMs: number;
  readonly durationMs: number;
  /** The function returned an error, threw or timed out (counts in Errors). */
  readonly failed: boolean;
}

/**
 * One invocation: Invocations 1, Errors 0|1, Throttles 0 and Duration. Lambda publishes the
 * zeros too, so the Errors series of a function exists as soon as it has run once.
 */
export function lambdaInvocationMetrics(invocation: LambdaInvocation): Datapoint[] {
  const { functionName, timestampMs } = invocation;
  return [
    lambdaDatapoint(functionName, timestampMs, 'Invocations', 1, 'Count'),
    lambdaDatapoint(functionName, timestampMs, 'Errors', invocation.failed ? 1 : 0, 'Count'),
    lambdaDatapoint(functionName, timestampMs, 'Throttles', 0, 'Count'),
    lambdaDatapoint(functionName, timestampMs, 'Duration', invocation.durationMs, 'Milliseconds'),
  ];
}

/** A throttled invocation request: Throttles 1, and no Invocations (throttled requests are not invocations). */
export function lambdaThrottleMetrics(functionName: string, timestampMs: number): Datapoint[] {
  return [lambdaDatapoint(functionName, timestampMs, 'Throttles', 1, 'Count')];
}

/** IteratorAge of one batch of a stream event source mapping: the age of its last record when it was sent. */
export function lambdaIteratorAgeMetric(functionName: string, timestampMs: number, iteratorAgeMs: number): Datapoint {
  return lambdaDatapoint(functionName, timestampMs, 'IteratorAge', iteratorAgeMs, 'Milliseconds');
}

export interface HttpApiRequest {
  readonly apiId: string;
  readonly stage: string;
  readonly timestampMs: number;
  readonly statusCode: number;
  /** From the request arriving to the response leaving API Gateway. */
  readonly latencyMs: number;
  /** From API Gateway calling the integration to its response, when an integration was called. */
  readonly integrationLatencyMs?: number;
}

/** One HTTP API request: Count, 4xx, 5xx, Latency (and IntegrationLatency), per [ApiId] and per [ApiId, Stage]. */
export function httpApiRequestMetrics(request: HttpApiRequest): Datapoint[] {
  const values: Array<[string, number, string]> = [
    ['Count', 1, 'Count'],
    ['4xx', request.statusCode >= 400 && request.statusCode < 500 ? 1 : 0, 'Count'],
    ['5xx', request.statusCode >= 500 ? 1 : 0, 'Count'],
    ['Latency', request.latencyMs, 'Milliseconds'],
  ];
  if (request.integrationLatencyMs !== undefined) {
    values.push(['IntegrationLatency', request.integrationLatencyMs, 'Milliseconds']);
  }
  const dimensionSets: Array<Record<string, string>> = [
    { ApiId: request.apiId },
    { ApiId: request.apiId, Stage: request.stage },
  ];
  return dimensionSets.flatMap((dimensions) =>
    values.map(([metricName, value, unit]) => ({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensions,
      timestampMs: request.timestampMs,
      value,
      unit,
    })),
  );
}

function lambdaDatapoint(
  functionName: string,
  timestampMs: number,
  metricName: string,
  value: number,
  unit: string,
): Datapoint {
  return { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName }, timestampMs, value, unit };
}
