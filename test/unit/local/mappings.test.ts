import { mappingConfigs } from '../../../local/mappings';
import { type CfnTemplate, LocalTemplate } from '../../../local/template';

const context = { stackName: 'S', region: 'us-east-1', accountId: '000000000000' };
const CONSUMER_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/S-Stream/consumer/c:1700000000';

function templateWith(mappingProperties: Record<string, unknown>): LocalTemplate {
  const template: CfnTemplate = {
    Resources: {
      Stream: { Type: 'AWS::Kinesis::Stream' },
      Consumer: {
        Type: 'AWS::Kinesis::StreamConsumer',
        Properties: { ConsumerName: 'c', StreamARN: { 'Fn::GetAtt': ['Stream', 'Arn'] } },
      },
      Fn: { Type: 'AWS::Lambda::Function' },
      Bucket: { Type: 'AWS::S3::Bucket' },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['Consumer', 'ConsumerARN'] },
          FunctionName: { Ref: 'Fn' },
          StartingPosition: 'TRIM_HORIZON',
          ...mappingProperties,
        },
      },
    },
  };
  const local = new LocalTemplate(template, context);
  local.setAttribute('Consumer', 'ConsumerARN', CONSUMER_ARN);
  return local;
}

describe('mappingConfigs', () => {
  it("applies Lambda's documented defaults when the template leaves properties out", () => {
    const [mapping] = mappingConfigs(templateWith({}));

    expect(mapping).toEqual({
      id: 'Mapping',
      functionName: 'S-Fn',
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/S-Stream',
      consumerArn: CONSUMER_ARN,
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      startingPosition: 'TRIM_HORIZON',
      startingPositionTimestamp: undefined,
      parallelizationFactor: 1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      onFailureDestination: undefined,
      filterPatterns: undefined,
      enabled: true,
    });
  });

  it('takes every setting the template declares', () => {
    const [mapping] = mappingConfigs(
      templateWith({
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 2,
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: 1700000000,
        ParallelizationFactor: 3,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Bucket', 'Arn'] } } },
        FilterCriteria: { Filters: [{ Pattern: '{"data":{"eventType":["ORDER_CREATED"]}}' }] },
        Enabled: false,
      }),
    );

    expect(mapping).toMatchObject({
      batchSize: 10,
      maximumBatchingWindowInSeconds: 2,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: new Date(1700000000 * 1000),
      parallelizationFactor: 3,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      maximumRetryAttempts: 5,
      maximumRecordAgeInSeconds: 3600,
      onFailureDestination: 'arn:aws:s3:::s-bucket',
      filterPatterns: ['{"data":{"eventType":["ORDER_CREATED"]}}'],
      enabled: false,
    });
  });

  it('refuses a mapping on the stream itself (shared throughput): only enhanced fan-out is emulated', () => {
    expect(() => mappingConfigs(templateWith({ EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] } }))).toThrow(
      /stream consumer/,
    );
  });
});
