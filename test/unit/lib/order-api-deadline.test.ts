import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OrderHttpApi } from '../../../lib/constructs/order-api';

/** The API answers its own 503 before its function times out: the timeout must cover deadline + DynamoDB. */
describe('OrderHttpApi publish deadline', () => {
  function apiWith(timeout: Duration, publishDeadline?: Duration) {
    const stack = new Stack(new App(), 'Test');
    const handler = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      timeout,
    });
    new OrderHttpApi(stack, 'Api', { handler, ...(publishDeadline ? { publishDeadline } : {}) });
    return Template.fromStack(stack);
  }

  it('accepts the default 3 s deadline with the stack 10 s timeout', () => {
    expect(() => apiWith(Duration.seconds(10))).not.toThrow();
  });

  it('refuses a function timeout that does not cover the deadline plus the DynamoDB allowance', () => {
    expect(() => apiWith(Duration.seconds(8))).toThrow(/must exceed the publish deadline/);
    expect(() => apiWith(Duration.seconds(10), Duration.seconds(6))).toThrow(/must exceed the publish deadline/);
  });

  it('passes a configured deadline to the function as PUBLISH_DEADLINE_MS', () => {
    apiWith(Duration.seconds(10), Duration.seconds(2)).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { PUBLISH_DEADLINE_MS: '2000' } },
    });
  });
});
