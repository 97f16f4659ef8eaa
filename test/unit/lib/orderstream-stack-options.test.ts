import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { OrderstreamStack, type OrderstreamStackProps } from '../../../lib/orderstream-stack';
import {
  resourcesGranted,
  resourcesOfType,
  statementsOfFunction,
  synthStack,
  unacknowledgedNagFindings,
} from './template-helpers';

// Prepare (once for the file): every optional prop set away from its default. Bundling is
// skipped: this file only looks at configuration, the default-props file checks the bundles.
const { stack, template } = synthStack(
  {
    stageName: 'prod',
    streamRetention: Duration.hours(48),
    streamEncryption: 'AWS_MANAGED',
    emailSender: 'orders@example.com',
    apiAuth: 'JWT',
    jwtIssuer: 'https://issuer.example.com/pool',
    jwtAudience: ['orderstream-client'],
    jwtRouteScopes: { 'POST /orders': ['orders/write'], 'GET /orders/{orderId}': ['orders/read', 'orders/admin'] },
    alarmEmail: 'ops@example.com',
    mapping: {
      batchSize: 25,
      maxBatchingWindow: Duration.seconds(2),
      maxRetryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      parallelizationFactor: 2,
    },
    apiThrottlingRateLimit: 10,
    apiThrottlingBurstLimit: 20,
    failedRecordsExpiration: Duration.days(7),
    dataRemovalPolicy: RemovalPolicy.DESTROY,
    sagaStepTimeout: Duration.minutes(2),
    sagaMaxRedrives: 4,
  },
  { bundle: false },
);

describe('OrderstreamStack (every option set)', () => {
  it('encrypts the stream with the AWS-managed key and creates no stream key', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 48,
    });
    expect(resourcesOfType(template, 'AWS::KMS::Key').StreamKey).toBeUndefined();
    expect(resourcesGranted(statementsOfFunction(template, 'SagaFunction'), 'kms:Decrypt')).toEqual([]);
  });

  it('puts the JWT authorizer on the customer routes but keeps PUT /inventory/{sku} on AWS_IAM', () => {
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    const auth = Object.fromEntries(routes.map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType]));

    expect(auth).toEqual({
      'POST /orders': 'JWT',
      'GET /orders/{orderId}': 'JWT',
      'POST /orders/{orderId}/cancel': 'JWT',
      'GET /inventory/{sku}': 'JWT',
      'PUT /inventory/{sku}': 'AWS_IAM',
      'POST /inventory/{sku}/adjustments': 'AWS_IAM',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com/pool', Audience: ['orderstream-client'] },
    });
  });

  it('sets the configured JWT scopes on their routes only', () => {
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    const scopes = Object.fromEntries(routes.map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationScopes]));

    expect(scopes).toEqual({
      'POST /orders': ['orders/write'],
      'GET /orders/{orderId}': ['orders/read', 'orders/admin'],
      'POST /orders/{orderId}/cancel': undefined,
      'GET /inventory/{sku}': undefined,
      'PUT /inventory/{sku}': undefined,
      'POST /inventory/{sku}/adjustments': undefined,
    });
  });

  it('creates no customer-routes invoke policy (the customer routes are JWT), only the admin one', () => {
    expect(Object.keys(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))).toEqual(['AdminRoutesInvokePolicy']);
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toContain('AdminRoutesPolicyArn');
    expect(outputs).not.toContain('CustomerRoutesPolicyArn');
  });

  it('gives only the email function EMAIL_SENDER and ses:SendEmail restricted to that From address', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const withSender = Object.entries(functions).filter(([, f]) => f.Properties.Environment.Variables.EMAIL_SENDER);
    const sesStatements = statementsOfFunction(template, 'EmailFunction').filter((s) => s.Action === 'ses:SendEmail');

    expect(withSender.map(([id]) => id)).toEqual(['EmailFunction']);
    expect(sesStatements).toHaveLength(1);
    expect(sesStatements[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'orders@example.com' } });
    expect(resourcesGranted(statementsOfFunction(template, 'PaymentFunction'), 'ses:SendEmail')).toEqual([]);
  });

  it('applies the mapping tuning to every consumer mapping', () => {
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'));

    expect(mappings).toHaveLength(6);
    for (const mapping of mappings) {
      expect(mapping.Properties).toMatchObject({
        BatchSize: 25,
        MaximumBatchingWindowInSeconds: 2,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        ParallelizationFactor: 2,
      });
    }
  });

  it('subscribes the alarm email, applies throttling, lifecycle and the DESTROY data policy', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 7 })]) },
      }),
    });
    for (const table of Object.values(resourcesOfType(template, 'AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Delete');
    }
  });

  it('passes the saga step deadline and re-drive count to the saga function', () => {
    expect(
      resourcesOfType(template, 'AWS::Lambda::Function').SagaFunction?.Properties.Environment.Variables,
    ).toMatchObject({ SAGA_STEP_TIMEOUT_SECONDS: '120', SAGA_MAX_REDRIVES: '4' });
  });

  it('reports no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('OrderstreamStack for stage local', () => {
  const env = (props: OrderstreamStackProps, id: string): Record<string, string> =>
    resourcesOfType(synthStack({ stageName: 'local', ...props }, { bundle: false }).template, 'AWS::Lambda::Function')[
      id
    ]!.Properties.Environment.Variables;

  it('shortens the default step deadline to 30 s', () => {
    expect(env({}, 'SagaFunction').SAGA_STEP_TIMEOUT_SECONDS).toBe('30');
  });

  it('sets the fault switch on every consumer, and on no other function, when faultInjectionRate is given', () => {
    const { template: local } = synthStack({ stageName: 'local', faultInjectionRate: 0.2 }, { bundle: false });
    const functions = resourcesOfType(local, 'AWS::Lambda::Function');
    const withFaults = Object.keys(functions).filter(
      (id) => functions[id]!.Properties.Environment.Variables.ORDERSTREAM_FAULT_RATE === '0.2',
    );
    expect(withFaults.sort()).toEqual(
      [
        'EmailFunction',
        'InventoryFunction',
        'PaymentFunction',
        'ProjectorFunction',
        'SagaFunction',
        'ShippingFunction',
      ].sort(),
    );
  });
});

describe('OrderstreamStack for stage local with the local JWT issuer', () => {
  it.each(['http://127.0.0.1:4100', 'http://localhost:4100'])('accepts the loopback issuer %s', (issuer) => {
    const { stack, template } = synthStack(
      { stageName: 'local', apiAuth: 'JWT', jwtIssuer: issuer, jwtAudience: ['orderstream'] },
      { bundle: false },
    );

    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: issuer, Audience: ['orderstream'] },
    });
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('cdk-nag check', () => {
  it('reports an unacknowledged finding (the check is live)', () => {
    // Prepare: a bucket without SSL enforcement nor access logs, nothing acknowledged
    const probe = new Stack(new App(), 'Probe');
    new s3.Bucket(probe, 'Plain');

    // Act
    const findings = unacknowledgedNagFindings(probe);

    // Assess
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/AwsSolutions-S10 at Probe\/Plain/)]));
  });

  it('honours Validations.of(...).acknowledge on the construct', () => {
    const probe = new Stack(new App(), 'Probe');
    const bucket = new s3.Bucket(probe, 'Plain', { enforceSSL: true });
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'test' });

    expect(unacknowledgedNagFindings(probe)).toEqual([]);
  });
});

describe('OrderstreamStack props validation', () => {
  const build = (props: OrderstreamStackProps): OrderstreamStack =>
    new OrderstreamStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Orderstream-invalid', props);

  it.each<[string, OrderstreamStackProps, RegExp]>([
    [
      'maxRecordAge equal to the retention',
      { mapping: { maxRecordAge: Duration.hours(24) } },
      /maxRecordAge .* shorter than the stream retention/,
    ],
    [
      'maxRecordAge beyond a longer retention',
      { streamRetention: Duration.days(30), mapping: { maxRecordAge: Duration.days(8) } },
      /maxRecordAge must be within 60 seconds\.\.7 days/,
    ],
    ['maxRecordAge under a minute', { mapping: { maxRecordAge: Duration.seconds(30) } }, /maxRecordAge must be within/],
    [
      'retry attempts -1 (infinite)',
      { mapping: { maxRetryAttempts: -1 } },
      /maxRetryAttempts must be an integer in 0\.\.10000/,
    ],
    ['retry attempts above 10000', { mapping: { maxRetryAttempts: 10001 } }, /maxRetryAttempts/],
    ['batch size 0', { mapping: { batchSize: 0 } }, /batchSize must be an integer in 1\.\.10000/],
    ['batching window above 300 s', { mapping: { maxBatchingWindow: Duration.minutes(6) } }, /maxBatchingWindow/],
    ['parallelization factor 11', { mapping: { parallelizationFactor: 11 } }, /parallelizationFactor/],
    [
      'retention under 24 h',
      { streamRetention: Duration.hours(12) },
      /streamRetention must be whole hours in 24\.\.8760/,
    ],
    ['retention above 8760 h', { streamRetention: Duration.hours(8761) }, /streamRetention/],
    ['unknown stream encryption', { streamEncryption: 'NONE' as never }, /streamEncryption must be/],
    ['stage with upper case', { stageName: 'Prod' }, /stageName must match/],
    ['emailSender that is not an address', { emailSender: 'orders' }, /emailSender must be an email address/],
    ['alarmEmail that is not an address', { alarmEmail: 'ops' }, /alarmEmail must be an email address/],
    ['JWT without issuer', { apiAuth: 'JWT', jwtAudience: ['a'] }, /needs jwtIssuer/],
    ['JWT without audience', { apiAuth: 'JWT', jwtIssuer: 'https://issuer.example.com' }, /non-empty jwtAudience/],
    ['JWT settings in IAM mode', { jwtIssuer: 'https://issuer.example.com' }, /only valid with auth 'JWT'/],
    ['unknown auth mode', { apiAuth: 'COGNITO' as never }, /auth must be 'IAM' or 'JWT'/],
    [
      'JWT route scopes in IAM mode',
      { jwtRouteScopes: { 'POST /orders': ['orders/write'] } },
      /routeScopes are only valid with auth 'JWT'/,
    ],
    [
      'a loopback http:// issuer at a deployed stage',
      { stageName: 'prod', apiAuth: 'JWT', jwtIssuer: 'http://127.0.0.1:4100', jwtAudience: ['a'] },
      /jwtIssuer 'http:\/\/127\.0\.0\.1:4100' is a loopback http:\/\/ issuer, allowed only for stage 'local'.*stage 'prod' needs an https:\/\/ issuer/,
    ],
    [
      'a non-loopback http:// issuer at stage local',
      { stageName: 'local', apiAuth: 'JWT', jwtIssuer: 'http://issuer.example.com', jwtAudience: ['a'] },
      /needs jwtIssuer, an https:\/\/ URL/,
    ],
    ['zero throttling rate', { apiThrottlingRateLimit: 0 }, /throttlingRateLimit must be a positive number/],
    ['failed-record expiration of 0 days', { failedRecordsExpiration: Duration.days(0) }, /failedRecordsExpiration/],
    ['a step deadline under 10 s', { sagaStepTimeout: Duration.seconds(5) }, /sagaStepTimeout must be whole seconds/],
    ['a step deadline over a day', { sagaStepTimeout: Duration.hours(25) }, /sagaStepTimeout/],
    ['11 re-drives', { sagaMaxRedrives: 11 }, /sagaMaxRedrives must be an integer in 0\.\.10/],
    [
      'the fault switch on a deployed stage',
      { stageName: 'prod', faultInjectionRate: 0.1 },
      /faultInjectionRate is a local-only soak-test switch; refused for stage 'prod'/,
    ],
    ['the fault switch on the default stage', { faultInjectionRate: 0.1 }, /refused for stage 'dev'/],
    [
      'a fault rate above 0.5',
      { stageName: 'local', faultInjectionRate: 0.9 },
      /faultInjectionRate must be a number in 0\.\.0\.5/,
    ],
  ])('rejects %s at synth time', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
