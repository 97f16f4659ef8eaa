import { Match } from 'aws-cdk-lib/assertions';
import { ROUTE_KEYS, ROUTE_TABLE, type RouteAuth } from '../../../lambdas/contract/routes';
import { CONSUMER_SERVICES, TABLE_ENV } from '../../../lib/services';
import {
  asArray,
  referencedLogicalIds,
  resourcesGranted,
  resourcesOfType,
  statementsOfFunction,
  synthStack,
  unacknowledgedNagFindings,
} from './template-helpers';

// Prepare (once for the file): the default stack, bundled with esbuild like `cdk synth` does.
const { stack, template } = synthStack();
const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
const consumerNames = CONSUMER_SERVICES.map((s) => s.name);
const allFunctionIds = ['ApiFunction', ...consumerNames.map((n) => `${pascal(n)}Function`), 'SweeperFunction'];

describe('OrderstreamStack (default props)', () => {
  describe('stream', () => {
    it('is on-demand and encrypted with the stack-owned, rotating KMS key', () => {
      // Assess
      template.hasResourceProperties('AWS::Kinesis::Stream', {
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': ['StreamKey', 'Arn'] } },
        RetentionPeriodHours: 24,
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      expect(resourcesOfType(template, 'AWS::KMS::Key').StreamKey).toBeDefined();
    });

    it('has one enhanced fan-out consumer per consumer service, named after it', () => {
      const consumers = resourcesOfType(template, 'AWS::Kinesis::StreamConsumer');

      expect(Object.keys(consumers).sort()).toEqual(consumerNames.map((n) => `${pascal(n)}StreamConsumer`).sort());
      for (const name of consumerNames) {
        expect(consumers[`${pascal(name)}StreamConsumer`]!.Properties).toEqual({
          ConsumerName: `${name}-consumer`,
          StreamARN: { 'Fn::GetAtt': ['EventStream', 'Arn'] },
        });
      }
    });
  });

  describe('event-source mappings', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');

    it('exist once per consumer, each on its own consumer ARN and invoking its own function', () => {
      expect(Object.keys(mappings)).toHaveLength(6);
      for (const name of consumerNames) {
        const mapping = mappings[`${pascal(name)}EventSourceMapping`]!;
        expect(mapping.Properties.EventSourceArn).toEqual({
          'Fn::GetAtt': [`${pascal(name)}StreamConsumer`, 'ConsumerARN'],
        });
        expect(mapping.Properties.FunctionName).toEqual({ Ref: `${pascal(name)}Function` });
      }
    });

    it.each(consumerNames)('of %s carry the safe stream defaults and the S3 on-failure destination', (name) => {
      const props = mappings[`${pascal(name)}EventSourceMapping`]!.Properties;

      expect(props).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 6 * 3600,
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 0,
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedRecordsBucket', 'Arn'] } } },
      });
      expect(props.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(props.MaximumRetryAttempts).toBeLessThanOrEqual(10000);
      expect(props.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(props.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
    });

    it('are created after the role policy that lets Lambda read the consumer', () => {
      for (const name of consumerNames) {
        const dependsOn = mappings[`${pascal(name)}EventSourceMapping`]!.DependsOn ?? [];
        expect(dependsOn.some((id) => id.startsWith(`${pascal(name)}ServiceRoleDefaultPolicy`))).toBe(true);
      }
    });
  });

  describe('functions', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');

    it('are exactly the API function, the six consumers and the saga deadline sweeper', () => {
      expect(Object.keys(functions).sort()).toEqual([...allFunctionIds].sort());
    });

    it.each(allFunctionIds)(
      '%s runs nodejs22.x on ARM64 with active tracing, its own log group and Powertools env',
      (id) => {
        const props = functions[id]!.Properties;
        const service = id === 'ApiFunction' ? 'api' : id.replace(/Function$/, '').toLowerCase();

        expect(props.Runtime).toBe('nodejs22.x');
        expect(props.Architectures).toEqual(['arm64']);
        expect(props.TracingConfig).toEqual({ Mode: 'Active' });
        expect(props.Handler).toBe('index.handler');
        expect(referencedLogicalIds(props.LoggingConfig?.LogGroup)).toHaveLength(1);
        expect(props.Environment.Variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: service,
          POWERTOOLS_METRICS_NAMESPACE: 'orderstream',
          NODE_OPTIONS: '--enable-source-maps',
        });
      },
    );

    it('have log groups with a retention', () => {
      const logGroups = Object.values(resourcesOfType(template, 'AWS::Logs::LogGroup'));
      expect(logGroups.length).toBeGreaterThanOrEqual(allFunctionIds.length);
      for (const group of logGroups) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    });

    it('get the table and stream environment variables of the contract', () => {
      const env = (id: string): Record<string, unknown> => functions[id]!.Properties.Environment.Variables;

      expect(env('ApiFunction')).toMatchObject({
        STREAM_NAME: { Ref: 'EventStream' },
        ORDERS_TABLE: { Ref: 'OrdersTable' },
        INVENTORY_TABLE: { Ref: 'InventoryTable' },
        IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
      });
      expect(env('SagaFunction')).toMatchObject({
        STREAM_NAME: { Ref: 'EventStream' },
        SAGA_TABLE: { Ref: 'SagaTable' },
      });
      expect(env('ProjectorFunction')).toMatchObject({ ORDERS_TABLE: { Ref: 'OrdersTable' } });
      expect(env('ProjectorFunction').STREAM_NAME).toBeUndefined();
      expect(env('EmailFunction').STREAM_NAME).toBeUndefined();
      expect(env('EmailFunction').EMAIL_SENDER).toBeUndefined();
      expect(env('SagaFunction')).toMatchObject({ SAGA_STEP_TIMEOUT_SECONDS: '300', SAGA_MAX_REDRIVES: '2' });
      expect(env('SweeperFunction')).toEqual(
        expect.objectContaining({ STREAM_NAME: { Ref: 'EventStream' }, SAGA_TABLE: { Ref: 'SagaTable' } }),
      );
      // each consumer's own state is its exactly-once guard: only the API keeps the idempotency table
      for (const name of consumerNames) {
        expect(env(`${pascal(name)}Function`)[TABLE_ENV.idempotency]).toBeUndefined();
      }
      // the fault switch is off (and refused) outside stage local
      for (const id of allFunctionIds) expect(env(id).ORDERSTREAM_FAULT_RATE).toBeUndefined();
    });
  });

  describe('IAM', () => {
    const policies = Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'));

    it('has no statement granting "*" or "service:*" actions on "*" resources', () => {
      const offending = policies.flatMap(([id, policy]) =>
        asArray<any>(policy.Properties.PolicyDocument.Statement)
          .filter((s) => asArray(s.Resource).includes('*'))
          .filter((s) => asArray<string>(s.Action).some((a) => a === '*' || /^[A-Za-z0-9-]+:\*$/.test(a)))
          .map((s) => `${id}: ${JSON.stringify(s)}`),
      );

      expect(policies.length).toBeGreaterThanOrEqual(7);
      expect(offending).toEqual([]);
    });

    it('only allows "*" resources for X-Ray, which has no resource-level permissions', () => {
      const actionsOnStar = policies.flatMap(([, policy]) =>
        asArray<any>(policy.Properties.PolicyDocument.Statement)
          .filter((s) => asArray(s.Resource).includes('*'))
          .flatMap((s) => asArray<string>(s.Action)),
      );

      expect([...new Set(actionsOnStar)].sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    });

    it.each(consumerNames)(
      'lets %s subscribe only through its own consumer and decrypt with the stream key',
      (name) => {
        const statements = statementsOfFunction(template, `${pascal(name)}Function`);

        expect(resourcesGranted(statements, 'kinesis:SubscribeToShard')).toEqual([`${pascal(name)}StreamConsumer`]);
        expect(resourcesGranted(statements, 'kinesis:DescribeStreamConsumer')).toEqual([
          `${pascal(name)}StreamConsumer`,
        ]);
        expect(resourcesGranted(statements, 'kinesis:ListShards')).toEqual(['EventStream']);
        expect(resourcesGranted(statements, 'kms:Decrypt')).toEqual(['StreamKey']);
        expect(resourcesGranted(statements, 's3:PutObject')).toEqual(['FailedRecordsBucket']);
        expect(resourcesGranted(statements, 's3:GetObject')).toEqual([]);
        expect(resourcesGranted(statements, 's3:DeleteObject')).toEqual([]);
      },
    );

    it('lets exactly the API and the publishing consumers put records, with kms:GenerateDataKey', () => {
      const publishers = allFunctionIds.filter(
        (id) => resourcesGranted(statementsOfFunction(template, id), 'kinesis:PutRecords').length > 0,
      );

      expect(publishers.sort()).toEqual([
        'ApiFunction',
        'InventoryFunction',
        'PaymentFunction',
        'SagaFunction',
        'ShippingFunction',
        'SweeperFunction',
      ]);
      for (const id of publishers) {
        const statements = statementsOfFunction(template, id);
        expect(resourcesGranted(statements, 'kinesis:PutRecord')).toEqual(['EventStream']);
        expect(resourcesGranted(statements, 'kms:GenerateDataKey')).toEqual(['StreamKey']);
      }
    });

    it('grants each function only its own tables', () => {
      const granted = (id: string, action: string): string[] => [
        ...new Set(resourcesGranted(statementsOfFunction(template, id), action)),
      ];
      const written = (id: string): string[] => granted(id, 'dynamodb:PutItem').sort();
      const read = (id: string): string[] => granted(id, 'dynamodb:GetItem').sort();

      expect(read('ApiFunction')).toEqual(['IdempotencyTable', 'InventoryTable', 'OrdersTable']);
      // the API writes the catalogue with conditional UpdateItem only (least-privilege.test.ts has the full sets)
      expect(written('ApiFunction')).toEqual(['IdempotencyTable']);
      expect(granted('ApiFunction', 'dynamodb:UpdateItem').sort()).toEqual(['IdempotencyTable', 'InventoryTable']);
      expect(written('SagaFunction')).toEqual(['SagaTable']);
      expect(written('InventoryFunction')).toEqual(['InventoryTable']);
      expect(written('PaymentFunction')).toEqual(['LedgerTable']);
      expect(written('ShippingFunction')).toEqual(['LedgerTable']);
      expect(written('EmailFunction')).toEqual(['LedgerTable']);
      expect(written('ProjectorFunction')).toEqual(['OrdersTable']);
      expect(read('SweeperFunction')).toEqual([]);
      expect(written('SweeperFunction')).toEqual([]);
      // on the deadline index only (least-privilege.test.ts checks the index ARN)
      expect(granted('SweeperFunction', 'dynamodb:Query')).toEqual(['SagaTable']);
    });

    it('gives no function SES permissions when no email sender is configured', () => {
      for (const id of allFunctionIds)
        expect(resourcesGranted(statementsOfFunction(template, id), 'ses:SendEmail')).toEqual([]);
    });

    it('attaches no managed policies to the function roles (logs only to their own group)', () => {
      for (const role of Object.values(resourcesOfType(template, 'AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('failed-records bucket', () => {
    it('is encrypted, private, lifecycle-expired and retained', () => {
      template.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          LifecycleConfiguration: {
            Rules: Match.arrayWith([Match.objectLike({ Status: 'Enabled', ExpirationInDays: 30 })]),
          },
        }),
      });
    });

    it('denies every request that is not over TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: 'FailedRecordsBucket' },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('tables', () => {
    const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');

    it('are the five tables of the contract with their key schemas', () => {
      const keys = Object.fromEntries(
        Object.entries(tables).map(([id, t]) => [
          id,
          t.Properties.KeySchema.map((k: any) => `${k.AttributeName}:${k.KeyType}`),
        ]),
      );

      expect(keys).toEqual({
        OrdersTable: ['orderId:HASH'],
        InventoryTable: ['pk:HASH'],
        SagaTable: ['orderId:HASH'],
        LedgerTable: ['orderId:HASH', 'entry:RANGE'],
        IdempotencyTable: ['id:HASH'],
      });
    });

    it.each(['OrdersTable', 'InventoryTable', 'SagaTable', 'LedgerTable', 'IdempotencyTable'])(
      '%s is on-demand, has point-in-time recovery and is retained',
      (id) => {
        expect(tables[id]!.Properties).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        });
        expect(tables[id]!.DeletionPolicy).toBe('Retain');
      },
    );

    it('expire idempotency records through TTL on "expiration"', () => {
      expect(tables.IdempotencyTable!.Properties.TimeToLiveSpecification).toEqual({
        AttributeName: 'expiration',
        Enabled: true,
      });
    });
  });

  describe('HTTP API', () => {
    it('routes every route to one Lambda integration with payload format 2.0, all AWS_IAM', () => {
      const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
      const integrations = resourcesOfType(template, 'AWS::ApiGatewayV2::Integration');

      // Exactly the routes of the route table, which the API function's routes are typed against.
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([...ROUTE_KEYS].sort());
      for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(Object.keys(integrations)).toHaveLength(1);
      const [integration] = Object.values(integrations);
      if (!integration) throw new Error('no Lambda integration');
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(referencedLogicalIds(integration.Properties.IntegrationUri)).toEqual(['ApiFunction']);
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    });

    it('throttles the auto-deployed $default stage and writes access logs', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      });
    });
  });

  describe('route invoke policies (from the route table)', () => {
    const policies = resourcesOfType(template, 'AWS::IAM::ManagedPolicy');
    const [apiId] = Object.keys(resourcesOfType(template, 'AWS::ApiGatewayV2::Api'));
    /** The execute-api ARN of a route, derived here from the route key: each {param} segment is one `*`. */
    const arnOf = (routeKey: string) => {
      const [method, path] = routeKey.split(' ') as [string, string];
      const resourcePath = `/$default/${method}${path.replace(/\{[^}/]+\}/g, '*')}`;
      return {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':execute-api:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':',
            { Ref: apiId },
            resourcePath,
          ],
        ],
      };
    };
    const sorted = (values: unknown[]): string[] => values.map((value) => JSON.stringify(value)).sort();
    const grantedBy = (logicalId: string): unknown[] => {
      const statements = asArray<any>(policies[logicalId]?.Properties.PolicyDocument.Statement);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke' });
      return asArray(statements[0].Resource);
    };
    const lastPartOf = (arn: unknown): string =>
      (arn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1) as string;

    it('are exactly the pinned customer and admin policies, each with a description', () => {
      expect(Object.keys(policies).sort()).toEqual(['AdminRoutesInvokePolicy', 'CustomerRoutesInvokePolicy']);
      for (const policy of Object.values(policies)) expect(policy.Properties.Description).toMatch(/orderstream API/);
    });

    it.each<[string, RouteAuth]>([
      ['CustomerRoutesInvokePolicy', 'customer'],
      ['AdminRoutesInvokePolicy', 'admin'],
    ])('%s allows execute-api:Invoke on exactly the %s routes of the route table', (logicalId, auth) => {
      const routeKeys = ROUTE_KEYS.filter((routeKey) => ROUTE_TABLE[routeKey].auth === auth);

      expect(routeKeys.length).toBeGreaterThan(0);
      expect(sorted(grantedBy(logicalId))).toEqual(sorted(routeKeys.map(arnOf)));
    });

    it('name the routes as API Gateway does: stage, method, one * per path parameter segment', () => {
      expect(grantedBy('CustomerRoutesInvokePolicy').map(lastPartOf).sort()).toEqual(
        expect.arrayContaining(['/$default/GET/orders/*', '/$default/POST/orders', '/$default/POST/orders/*/cancel']),
      );
      expect(grantedBy('AdminRoutesInvokePolicy').map(lastPartOf).sort()).toEqual([
        '/$default/POST/inventory/*/adjustments',
        '/$default/PUT/inventory/*',
      ]);
    });

    it('are stack outputs with descriptions', () => {
      template.hasOutput('CustomerRoutesPolicyArn', {
        Value: { Ref: 'CustomerRoutesInvokePolicy' },
        Description: Match.stringLikeRegexp('customer routes'),
      });
      template.hasOutput('AdminRoutesPolicyArn', {
        Value: { Ref: 'AdminRoutesInvokePolicy' },
        Description: Match.stringLikeRegexp('admin routes'),
      });
    });
  });

  describe('alarms and outputs', () => {
    it('alarm on iterator age, errors and failed records of every consumer and on API 5xx, to the encrypted SSL-only topic', () => {
      const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));

      expect(alarms.filter((a) => a.Properties.MetricName === 'IteratorAge')).toHaveLength(6);
      // one per consumer, and the sweeper's
      expect(alarms.filter((a) => a.Properties.MetricName === 'Errors')).toHaveLength(7);
      // one per consumer, on the Powertools metrics of that service (records reported in batchItemFailures)
      type MetricQuery = {
        MetricStat?: {
          Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
        };
      };
      const statsOf = (alarm: { Properties: { Metrics?: MetricQuery[] } }) =>
        (alarm.Properties.Metrics ?? []).flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : []));
      const failedRecordAlarms = alarms.filter((alarm) => statsOf(alarm).some((m) => m.MetricName === 'PoisonRecords'));
      const dimensionsOf = (alarm: (typeof failedRecordAlarms)[number]) => statsOf(alarm)[0]?.Dimensions ?? [];
      expect(
        failedRecordAlarms
          .map((alarm) =>
            dimensionsOf(alarm)
              .map((d) => `${d.Name}=${d.Value}`)
              .join(),
          )
          .sort(),
      ).toEqual(consumerNames.map((service) => `service=${service}`).sort());
      for (const alarm of failedRecordAlarms) {
        expect(
          statsOf(alarm)
            .map((m) => `${m.Namespace}/${m.MetricName}`)
            .sort(),
        ).toEqual(['orderstream/FailedRecords', 'orderstream/PoisonRecords']);
      }
      expect(alarms.filter((a) => a.Properties.MetricName === '5xx')).toHaveLength(1);
      for (const alarm of alarms) expect(referencedLogicalIds(alarm.Properties.AlarmActions)).toHaveLength(1);
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('put API traffic, order outcomes and every consumer on one operations dashboard', () => {
      const dashboards = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'));
      expect(dashboards).toHaveLength(1);
      const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);

      for (const metric of [
        'IteratorAge',
        'Errors',
        'FailedRecords',
        'PoisonRecords',
        'OrdersCompleted',
        'OrdersCancelled',
        'SagaStepsRedriven',
        'SagaStepsTimedOut',
        '5xx',
      ]) {
        expect(body).toContain(metric);
      }
      for (const name of consumerNames)
        expect(referencedLogicalIds(dashboards[0]!.Properties.DashboardBody)).toContain(`${pascal(name)}Function`);
    });

    it('output the API URL, the stream, the bucket and every table name', () => {
      const outputs = Object.keys(template.findOutputs('*')).sort();

      expect(outputs).toEqual(
        [
          'AdminRoutesPolicyArn',
          'AlarmTopicArn',
          'ApiUrl',
          'CustomerRoutesPolicyArn',
          'FailedRecordsBucketName',
          'IdempotencyTableName',
          'InventoryTableName',
          'LedgerTableName',
          'OrdersTableName',
          'SagaTableName',
          'StreamName',
        ].sort(),
      );
    });
  });

  describe('saga deadlines', () => {
    it('index the saga table sparsely on (deadlineShard, deadlineAt), projecting what the sweeper reads', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'DeadlineIndex',
            KeySchema: [
              { AttributeName: 'deadlineShard', KeyType: 'HASH' },
              { AttributeName: 'deadlineAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['version', 'correlationId'] },
          },
        ],
      });
      expect(
        resourcesOfType(template, 'AWS::DynamoDB::Table').SagaTable?.Properties.GlobalSecondaryIndexes,
      ).toHaveLength(1);
    });

    it('run the sweeper every minute from an EventBridge rule allowed to invoke it', () => {
      const rule = resourcesOfType(template, 'AWS::Events::Rule').SagaSweepSchedule;
      expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
      expect(rule?.Properties.Targets).toHaveLength(1);
      expect(referencedLogicalIds(rule?.Properties.Targets[0].Arn)).toEqual(['SweeperFunction']);
      expect(rule?.Properties.Targets[0].RetryPolicy).toEqual({
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
      });
      const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter(
        (p) => p.Properties.Principal === 'events.amazonaws.com',
      );
      expect(permissions).toHaveLength(1);
      expect(referencedLogicalIds(permissions[0]!.Properties.FunctionName)).toEqual(['SweeperFunction']);
      expect(referencedLogicalIds(permissions[0]!.Properties.SourceArn)).toEqual(['SagaSweepSchedule']);
    });

    it('alarm on SagaStepsTimedOut of the saga, to the alarm topic', () => {
      const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').SagaStepsTimedOutAlarm;
      expect(alarm?.Properties).toMatchObject({
        Namespace: 'orderstream',
        MetricName: 'SagaStepsTimedOut',
        Dimensions: [{ Name: 'service', Value: 'saga' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(referencedLogicalIds(alarm?.Properties.AlarmActions)).toEqual([expect.stringMatching(/^AlarmTopic/)]);
    });
  });

  describe('cdk-nag', () => {
    it('reports no unacknowledged AwsSolutions finding', () => {
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });
  });
});
