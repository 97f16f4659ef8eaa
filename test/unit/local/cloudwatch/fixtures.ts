import { type CfnResource, LocalTemplate } from '../../../../local/template';

export const context = { stackName: 'Orderstream-local', region: 'us-east-1', accountId: '000000000000' };

/** A template with a topic, a function and the alarms given (as the CDK synthesizes them). */
export function templateWithAlarms(alarms: Record<string, Record<string, unknown>>): LocalTemplate {
  const resources: Record<string, CfnResource> = {
    AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: {} },
    SagaFunction: { Type: 'AWS::Lambda::Function', Properties: {} },
  };
  for (const [logicalId, properties] of Object.entries(alarms)) {
    resources[logicalId] = { Type: 'AWS::CloudWatch::Alarm', Properties: properties };
  }
  return new LocalTemplate({ Resources: resources }, context);
}

export const errorsAlarm = {
  AlarmActions: [{ Ref: 'AlarmTopic' }],
  AlarmDescription: 'saga errors',
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'SagaFunction' } }],
  EvaluationPeriods: 1,
  MetricName: 'Errors',
  Namespace: 'AWS/Lambda',
  Period: 300,
  Statistic: 'Sum',
  Threshold: 1,
  TreatMissingData: 'notBreaching',
};

export const failedRecordsAlarm = {
  AlarmActions: [{ Ref: 'AlarmTopic' }],
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  EvaluationPeriods: 1,
  Metrics: [
    { Expression: 'failed + poison', Id: 'expr_1', ReturnData: true },
    metricStat('failed', 'FailedRecords'),
    metricStat('poison', 'PoisonRecords'),
  ],
  Threshold: 1,
  TreatMissingData: 'notBreaching',
};

function metricStat(id: string, metricName: string) {
  return {
    Id: id,
    MetricStat: {
      Metric: { Dimensions: [{ Name: 'service', Value: 'saga' }], MetricName: metricName, Namespace: 'orderstream' },
      Period: 300,
      Stat: 'Sum',
    },
    ReturnData: false,
  };
}
