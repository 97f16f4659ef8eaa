import { type CfnTemplate, LocalTemplate, UnsupportedIntrinsicError } from '../../../local/template';

const context = { stackName: 'Orderstream-local', region: 'us-east-1', accountId: '000000000000' };

function aTemplate(): CfnTemplate {
  return {
    Parameters: { Retention: { Default: 48 } },
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      Stream: {
        Type: 'AWS::Kinesis::Stream',
        Properties: { StreamEncryption: { KeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
      },
      NamedStream: {
        Type: 'AWS::Kinesis::Stream',
        Properties: { Name: { 'Fn::Join': ['-', ['orders', { Ref: 'AWS::Region' }]] } },
      },
      Consumer: {
        Type: 'AWS::Kinesis::StreamConsumer',
        Properties: { ConsumerName: 'saga-consumer', StreamARN: { 'Fn::GetAtt': ['Stream', 'Arn'] } },
      },
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
    },
  };
}

describe('LocalTemplate', () => {
  it('resolves Ref of an unnamed resource to a deterministic <stack>-<logicalId> name', () => {
    // Prepare
    const template = new LocalTemplate(aTemplate(), context);

    // Act
    const names = template.resolve({ table: { Ref: 'Table' }, stream: { Ref: 'Stream' }, fn: { Ref: 'Fn' } });

    // Assess
    expect(names).toEqual({
      table: 'Orderstream-local-Table',
      stream: 'Orderstream-local-Stream',
      fn: 'Orderstream-local-Fn',
    });
  });

  it('uses the explicit name property when the template names the resource', () => {
    const template = new LocalTemplate(aTemplate(), context);

    expect(template.ref('NamedStream')).toBe('orders-us-east-1');
  });

  it('lower-cases generated bucket names, as S3 requires', () => {
    const template = new LocalTemplate(aTemplate(), context);

    expect(template.resolve({ 'Fn::GetAtt': ['Bucket', 'Arn'] })).toBe('arn:aws:s3:::orderstream-local-bucket');
  });

  it('builds local ARNs for Fn::GetAtt in both the array and the dotted form', () => {
    const template = new LocalTemplate(aTemplate(), context);

    expect(template.resolve({ 'Fn::GetAtt': ['Stream', 'Arn'] })).toBe(
      'arn:aws:kinesis:us-east-1:000000000000:stream/Orderstream-local-Stream',
    );
    expect(template.resolve({ 'Fn::GetAtt': 'Table.Arn' })).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/Orderstream-local-Table',
    );
    expect(template.resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:Orderstream-local-Fn',
    );
  });

  it('gives a KMS key a stable UUID-shaped key id', () => {
    const first = new LocalTemplate(aTemplate(), context).resolve({ 'Fn::GetAtt': ['Key', 'Arn'] });
    const second = new LocalTemplate(aTemplate(), context).resolve({ 'Fn::GetAtt': ['Key', 'Arn'] });

    expect(first).toMatch(
      /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(second).toBe(first);
  });

  it('resolves Fn::Sub with pseudo parameters, resource attributes and explicit variables', () => {
    const template = new LocalTemplate(aTemplate(), context);

    const value = template.resolve({
      'Fn::Sub': [
        '${AWS::AccountId}/${AWS::Region}/${Table}/${Stream.Arn}/${Custom}/${AWS::Partition}',
        { Custom: { Ref: 'Fn' } },
      ],
    });

    expect(value).toBe(
      '000000000000/us-east-1/Orderstream-local-Table/arn:aws:kinesis:us-east-1:000000000000:stream/Orderstream-local-Stream/Orderstream-local-Fn/aws',
    );
  });

  it('resolves Fn::Select over Fn::Split and parameters to their Default', () => {
    const template = new LocalTemplate(aTemplate(), context);

    expect(template.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Stream', 'Arn'] }] }] })).toBe(
      'Orderstream-local-Stream',
    );
    expect(template.resolve({ Ref: 'Retention' })).toBe('48');
  });

  it('refuses a consumer ARN before provisioning recorded it, and returns it afterwards (also for Ref)', () => {
    const template = new LocalTemplate(aTemplate(), context);
    expect(() => template.getAtt('Consumer', 'ConsumerARN')).toThrow(UnsupportedIntrinsicError);

    template.setAttribute(
      'Consumer',
      'ConsumerARN',
      'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/saga-consumer:1',
    );

    expect(template.resolve({ 'Fn::GetAtt': ['Consumer', 'ConsumerARN'] })).toBe(
      'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/saga-consumer:1',
    );
    expect(template.ref('Consumer')).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/saga-consumer:1');
  });

  it('fails clearly on intrinsics it does not support', () => {
    const template = new LocalTemplate(aTemplate(), context);

    expect(() => template.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/Fn::ImportValue is not supported/);
    expect(() => template.ref('Missing')).toThrow(/no resource 'Missing'/);
  });

  it('leaves plain values and nested structures intact', () => {
    const template = new LocalTemplate(aTemplate(), context);

    expect(template.resolve({ a: [1, 'x', { b: true }], c: null })).toEqual({ a: [1, 'x', { b: true }], c: null });
  });
});
