import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CONTEXT_KEYS, propsFromContext, stackNameForStage } from '../../../lib/app-config';

const reader =
  (context: Record<string, unknown>) =>
  (key: string): unknown =>
    context[key];

describe('propsFromContext', () => {
  it('leaves every prop to its stack default when no context is given', () => {
    // Act
    const props = propsFromContext(reader({}));

    // Assess
    expect(props.stageName).toBeUndefined();
    expect(props.streamRetention).toBeUndefined();
    expect(props.apiAuth).toBeUndefined();
    expect(props.dataRemovalPolicy).toBeUndefined();
    expect(props.mapping).toEqual({
      batchSize: undefined,
      maxBatchingWindow: undefined,
      maxRetryAttempts: undefined,
      maxRecordAge: undefined,
      parallelizationFactor: undefined,
    });
  });

  it('parses -c strings (as the CLI passes them) into typed props', () => {
    const props = propsFromContext(
      reader({
        [CONTEXT_KEYS.stage]: 'prod',
        [CONTEXT_KEYS.streamRetentionHours]: '48',
        [CONTEXT_KEYS.streamEncryption]: 'aws_managed',
        [CONTEXT_KEYS.emailSender]: 'orders@example.com',
        [CONTEXT_KEYS.apiAuth]: 'jwt',
        [CONTEXT_KEYS.jwtIssuer]: 'https://issuer.example.com',
        [CONTEXT_KEYS.jwtAudience]: 'a, b',
        [CONTEXT_KEYS.alarmEmail]: 'ops@example.com',
        [CONTEXT_KEYS.batchSize]: '50',
        [CONTEXT_KEYS.maxBatchingWindowSeconds]: '2',
        [CONTEXT_KEYS.maxRetryAttempts]: '3',
        [CONTEXT_KEYS.maxRecordAgeSeconds]: '3600',
        [CONTEXT_KEYS.parallelizationFactor]: '2',
        [CONTEXT_KEYS.apiRateLimit]: '10',
        [CONTEXT_KEYS.apiBurstLimit]: '20',
        [CONTEXT_KEYS.failedRecordsExpirationDays]: '7',
        [CONTEXT_KEYS.retainData]: 'false',
      }),
    );

    expect(props.stageName).toBe('prod');
    expect(props.streamRetention?.toHours()).toBe(48);
    expect(props.streamEncryption).toBe('AWS_MANAGED');
    expect(props.apiAuth).toBe('JWT');
    expect(props.jwtAudience).toEqual(['a', 'b']);
    expect(props.mapping?.batchSize).toBe(50);
    expect(props.mapping?.maxBatchingWindow?.toSeconds()).toBe(2);
    expect(props.mapping?.maxRecordAge?.toSeconds()).toBe(Duration.hours(1).toSeconds());
    expect(props.apiThrottlingBurstLimit).toBe(20);
    expect(props.failedRecordsExpiration?.toDays()).toBe(7);
    expect(props.dataRemovalPolicy).toBe(RemovalPolicy.DESTROY);
  });

  it('accepts JSON numbers and booleans from cdk.json', () => {
    const props = propsFromContext(reader({ batchSize: 10, retainData: true }));

    expect(props.mapping?.batchSize).toBe(10);
    expect(props.dataRemovalPolicy).toBeUndefined();
  });

  it.each([
    [CONTEXT_KEYS.batchSize, 'many', /context 'batchSize' must be a number/],
    [CONTEXT_KEYS.apiAuth, 'cognito', /context 'apiAuth' must be one of IAM, JWT/],
    [CONTEXT_KEYS.streamEncryption, 'none', /context 'streamEncryption' must be one of/],
    [CONTEXT_KEYS.retainData, 'yes', /context 'retainData' must be true or false/],
  ])('rejects %s=%s with a message naming the key', (key, value, message) => {
    expect(() => propsFromContext(reader({ [key]: value }))).toThrow(message);
  });
});

describe('propsFromContext: saga deadlines and the fault switch', () => {
  it('reads the step deadline, the re-drive count and the fault rate for stage local', () => {
    const props = propsFromContext(
      reader({
        [CONTEXT_KEYS.stage]: 'local',
        [CONTEXT_KEYS.sagaStepTimeoutSeconds]: '45',
        [CONTEXT_KEYS.sagaMaxRedrives]: '3',
        [CONTEXT_KEYS.faultInjectionRate]: '0.2',
      }),
    );

    expect(props.sagaStepTimeout?.toSeconds()).toBe(45);
    expect(props.sagaMaxRedrives).toBe(3);
    expect(props.faultInjectionRate).toBe(0.2);
  });

  it.each([undefined, 'dev', 'prod'])('refuses faultInjectionRate for stage %s with a clear synth error', (stage) => {
    const context = { [CONTEXT_KEYS.faultInjectionRate]: '0.1', ...(stage ? { [CONTEXT_KEYS.stage]: stage } : {}) };

    expect(() => propsFromContext(reader(context))).toThrow(
      new RegExp(`context 'faultInjectionRate' .* refused for stage '${stage ?? 'dev'}'.*-c stage=local`),
    );
  });

  it('accepts faultInjectionRate 0 (off) on any stage, and refuses a rate above 0.5', () => {
    expect(propsFromContext(reader({ stage: 'prod', faultInjectionRate: '0' })).faultInjectionRate).toBe(0);
    expect(() => propsFromContext(reader({ stage: 'local', faultInjectionRate: '0.8' }))).toThrow(
      /context 'faultInjectionRate' must be a number in 0\.\.0\.5/,
    );
  });
});

describe('propsFromContext: JWT route scopes', () => {
  const jwt = { [CONTEXT_KEYS.apiAuth]: 'JWT' };

  it('parses the JSON of -c jwtRouteScopes=... into jwtRouteScopes', () => {
    const props = propsFromContext(
      reader({
        ...jwt,
        [CONTEXT_KEYS.jwtRouteScopes]: '{"POST /orders":["orders/write"],"GET /orders/{orderId}":["orders/read"]}',
      }),
    );

    expect(props.jwtRouteScopes).toEqual({
      'POST /orders': ['orders/write'],
      'GET /orders/{orderId}': ['orders/read'],
    });
  });

  it('accepts the object from cdk.json, and leaves the prop unset without the key', () => {
    const scopes = { 'POST /orders/{orderId}/cancel': ['orders/write'] };

    expect(propsFromContext(reader({ ...jwt, [CONTEXT_KEYS.jwtRouteScopes]: scopes })).jwtRouteScopes).toEqual(scopes);
    expect(propsFromContext(reader(jwt)).jwtRouteScopes).toBeUndefined();
  });

  it.each([
    ['not JSON', "{'POST /orders':['x']}", /context 'jwtRouteScopes' must be JSON/],
    ['not an object', '["orders/write"]', /context 'jwtRouteScopes' must be an object of route key -> list of scopes/],
    ['an unknown route key', '{"GET /orders":["x"]}', /context 'jwtRouteScopes': unknown route 'GET \/orders'/],
    ['an admin route', '{"PUT /inventory/{sku}":["x"]}', /'PUT \/inventory\/\{sku\}' is an admin route/],
    ['a non-string scope', '{"POST /orders":["x",1]}', /scope 1 of 'POST \/orders' is not a string/],
  ])('refuses %s', (_, value, message) => {
    expect(() => propsFromContext(reader({ ...jwt, [CONTEXT_KEYS.jwtRouteScopes]: value }))).toThrow(message);
  });

  it.each([undefined, 'IAM'])('refuses scopes with apiAuth %s: they need -c apiAuth=JWT', (apiAuth) => {
    const context = {
      [CONTEXT_KEYS.jwtRouteScopes]: '{"POST /orders":["orders/write"]}',
      ...(apiAuth ? { [CONTEXT_KEYS.apiAuth]: apiAuth } : {}),
    };

    expect(() => propsFromContext(reader(context))).toThrow(/context 'jwtRouteScopes' .* needs -c apiAuth=JWT/);
  });
});

describe('stackNameForStage', () => {
  it('names the stack Orderstream-<stage>, as the CDK app and the local runtime both name it', () => {
    expect(stackNameForStage('prod')).toBe('Orderstream-prod');
  });
});
