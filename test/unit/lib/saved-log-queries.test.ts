import { App, Stack } from 'aws-cdk-lib';
import { ORDER_ID_PLACEHOLDER, SavedLogQueries } from '../../../lib/constructs/saved-log-queries';
import { referencedLogicalIds, resourcesOfType, synthStack } from './template-helpers';

// Prepare (once for the file): the default stack without bundling (only the queries are read).
const { template } = synthStack({ stageName: 'prod' }, { bundle: false });
const queries = Object.values(resourcesOfType(template, 'AWS::Logs::QueryDefinition'));
const functionLogGroups = Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))
  .flatMap((fn) => referencedLogicalIds(fn.Properties.LoggingConfig?.LogGroup))
  .sort();
const byName = (name: string) => {
  const query = queries.find((q) => q.Properties.Name === `orderstream-prod/${name}`);
  if (!query) throw new Error(`no saved query orderstream-prod/${name}; have ${queries.map((q) => q.Properties.Name)}`);
  return query.Properties as { Name: string; QueryString: string; LogGroupNames: unknown[] };
};

describe('saved Logs Insights queries', () => {
  it('every function has its own log group (8: api, six consumers, sweeper)', () => {
    expect(functionLogGroups).toHaveLength(8);
    expect(new Set(functionLogGroups).size).toBe(8);
  });

  it.each(['order-journey', 'errors-and-poison-records', 'slowest-handlers'])(
    '%s exists and runs over every function log group',
    (name) => {
      const query = byName(name);

      expect(referencedLogicalIds(query.LogGroupNames).sort()).toEqual(functionLogGroups);
    },
  );

  it("order-journey lists one order's lines, oldest first, with the ids that link them", () => {
    const text = byName('order-journey').QueryString;

    expect(text).toContain(`filter orderId = "${ORDER_ID_PLACEHOLDER}"`);
    const fields = /^fields (.*)$/m.exec(text)?.[1]?.split(/,\s*/);
    expect(fields).toEqual(
      expect.arrayContaining([
        '@timestamp',
        'service',
        'message',
        'eventType',
        'eventId',
        'correlationId',
        'xray_trace_id',
      ]),
    );
    expect(text).toContain('sort @timestamp asc');
  });

  it('errors-and-poison-records counts error lines by service, eventType and error name', () => {
    const text = byName('errors-and-poison-records').QueryString;

    expect(text).toContain('error.name as errorName');
    expect(text).toContain('filter level = "ERROR"');
    expect(text).toMatch(/stats count\(\*\) as errors.* by service, eventType, errorName/);
  });

  it('slowest-handlers ranks functions by REPORT-line duration', () => {
    const text = byName('slowest-handlers').QueryString;

    expect(text).toContain('filter @type = "REPORT"');
    expect(text).toMatch(/pct\(@duration, 99\) as p99Ms.* by @log/);
    expect(text).toContain('sort p99Ms desc');
  });

  it('refuses to be built over no log group', () => {
    const stack = new Stack(new App(), 'Empty');

    expect(() => new SavedLogQueries(stack, 'Q', { stageName: 'dev', logGroups: [] })).toThrow(/at least one/);
  });
});
