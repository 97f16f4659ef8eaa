import type { MetricIdentity } from '../../../../local/cloudwatch/metric-store';
import { compileMetricQuery, parseSearchCall } from '../../../../local/cloudwatch/search-expression';

const errors: MetricIdentity = {
  namespace: 'AWS/Lambda',
  metricName: 'Errors',
  dimensions: { FunctionName: 'ProjectA-saga' },
};
const invocations: MetricIdentity = { ...errors, metricName: 'Invocations' };
const other: MetricIdentity = { ...errors, metricName: 'Invocations', dimensions: { FunctionName: 'ProjectB-email' } };
const byResource: MetricIdentity = { ...errors, dimensions: { FunctionName: 'ProjectA-saga', Resource: 'x' } };
const all = [errors, invocations, other, byResource];

function matching(query: string): MetricIdentity[] {
  const compiled = compileMetricQuery(query);
  return all.filter((identity) => compiled.matches(identity));
}

describe('SEARCH expressions', () => {
  it('parses the call: query, statistic and period', () => {
    expect(parseSearchCall(`SEARCH('{orderstream,reason,service} MetricName="OrdersCancelled"', 'Sum', 300)`)).toEqual({
      query: '{orderstream,reason,service} MetricName="OrdersCancelled"',
      stat: 'Sum',
      periodSeconds: 300,
    });
    expect(parseSearchCall('failed + poison')).toBeUndefined();
  });

  it('matches the schema on the namespace and exactly its dimension names', () => {
    expect(matching('{AWS/Lambda,FunctionName}')).toEqual([errors, invocations, other]);
    expect(matching('{AWS/Lambda,FunctionName,Resource}')).toEqual([byResource]);
    expect(matching('{AWS/EC2,FunctionName}')).toEqual([]);
  });

  it('matches exact terms, property terms and partial tokens', () => {
    expect(matching('{AWS/Lambda,FunctionName} MetricName="Errors"')).toEqual([errors]);
    expect(matching('{AWS/Lambda,FunctionName} "Errors"')).toEqual([errors]);
    expect(matching('{AWS/Lambda,FunctionName} "errors"')).toEqual([]);
    expect(matching('{AWS/Lambda,FunctionName} FunctionName=projecta')).toEqual([errors, invocations]);
    expect(matching('{AWS/Lambda,FunctionName} email')).toEqual([other]);
  });

  it('combines terms with AND (implicit), OR, NOT and parentheses', () => {
    expect(
      matching(`{AWS/Lambda,FunctionName} MetricName="Errors" OR (MetricName="Invocations" AND ProjectB)`),
    ).toEqual([errors, other]);
    expect(matching('{AWS/Lambda,FunctionName} Invocations ProjectA')).toEqual([invocations]);
    expect(matching('{AWS/Lambda,FunctionName} NOT MetricName="Errors"')).toEqual([invocations, other]);
  });
});
