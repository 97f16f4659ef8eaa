import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ALL_SERVICES,
  API_IDEMPOTENCY_KEY_PREFIX,
  CONSUMER_SERVICES,
  type ServiceDefinition,
} from '../../../lib/services';
import { deriveDynamoDbAccess } from './dynamodb-usage';
import {
  asArray,
  type PolicyStatement,
  referencedLogicalIds,
  statementsOfFunction,
  synthStack,
} from './template-helpers';

// Prepare (once for the file): the default stack; IAM does not depend on the bundles.
const { template } = synthStack({}, { bundle: false });
const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
const functionId = (service: ServiceDefinition): string => `${pascal(service.name)}Function`;
const TABLE_LOGICAL_IDS: Record<string, string> = {
  OrdersTable: 'orders',
  InventoryTable: 'inventory',
  SagaTable: 'saga',
  LedgerTable: 'ledger',
  IdempotencyTable: 'idempotency',
};

const dynamoDbStatements = (service: ServiceDefinition): PolicyStatement[] =>
  statementsOfFunction(template, functionId(service)).filter((s) =>
    asArray<string>(s.Action).some((a) => a.startsWith('dynamodb:')),
  );

/** `table` or `table/index` (the shape deriveDynamoDbAccess answers in) of a statement resource. */
function targetOf(resource: unknown): string {
  const [logicalId, ...others] = referencedLogicalIds(resource);
  const table = logicalId === undefined ? undefined : TABLE_LOGICAL_IDS[logicalId];
  if (!table || others.length > 0) throw new Error(`unexpected DynamoDB resource ${JSON.stringify(resource)}`);
  return JSON.stringify(resource).includes('/index/') ? `${table}/index` : table;
}

/** What the template lets the function do on DynamoDB: target -> sorted actions. */
function grantedDynamoDb(service: ServiceDefinition): Record<string, string[]> {
  const granted: Record<string, Set<string>> = {};
  for (const statement of dynamoDbStatements(service)) {
    expect(statement.Effect).toBe('Allow');
    for (const resource of asArray(statement.Resource)) {
      const target = targetOf(resource);
      granted[target] ??= new Set();
      for (const action of asArray<string>(statement.Action)) granted[target].add(action.replace(/^dynamodb:/, ''));
    }
  }
  return Object.fromEntries(
    Object.entries(granted)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([target, actions]) => [target, [...actions].sort()]),
  );
}

/** lib/services.ts's row in the same shape. */
function declared(service: ServiceDefinition): Record<string, string[]> {
  return Object.fromEntries(
    service.tables
      .map((access) => [access.index ? `${access.table}/index` : access.table, [...access.actions].sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

describe('least privilege: each role may do on DynamoDB exactly what its code does', () => {
  it.each(ALL_SERVICES.map((s) => [s.name, s] as const))(
    "%s: lib/services.ts declares exactly the actions derived from the handler's code",
    (_name, service) => {
      // Act: the call graph of lambdas/<service>/handler.ts (see dynamodb-usage.ts)
      const derived = deriveDynamoDbAccess(service.name);

      // Assess: a missing action fails here (AccessDenied in AWS), an unused one too (excess privilege)
      expect(declared(service)).toEqual(derived);
    },
  );

  it.each(ALL_SERVICES.map((s) => [s.name, s] as const))(
    '%s: the template grants exactly the declared actions, table by table',
    (_name, service) => {
      expect(grantedDynamoDb(service)).toEqual(declared(service));
    },
  );

  it('grants no table-wide convenience actions (Scan, DescribeTable, streams, BatchWrite) to any role', () => {
    const actions = ALL_SERVICES.flatMap((s) => dynamoDbStatements(s).flatMap((st) => asArray<string>(st.Action)));

    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => /\*|Scan|Describe|Stream|Shard|BatchWrite|ConditionCheck/.test(a))).toEqual([]);
  });

  it('gives the API no bulk read of the orders table (no Scan, no Query): GetItem only', () => {
    const api = ALL_SERVICES[0]!;
    expect(functionId(api)).toBe('ApiFunction');

    expect(grantedDynamoDb(api).orders).toEqual(['GetItem']);
  });

  it('gives the sweeper Query on the deadline index only, and on the saga table only BatchGetItem (trace ids)', () => {
    const sweeper = ALL_SERVICES.find((s) => s.name === 'sweeper') as ServiceDefinition;

    expect(dynamoDbStatements(sweeper).map((statement) => [statement.Action, statement.Resource])).toEqual([
      ['dynamodb:Query', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['SagaTable', 'Arn'] }, '/index/DeadlineIndex']] }],
      ['dynamodb:BatchGetItem', { 'Fn::GetAtt': ['SagaTable', 'Arn'] }],
    ]);
  });
});

describe('idempotency records: the API only, under its own key prefix', () => {
  it("uses the prefix Powertools writes for the API's records (keyPrefix + '#')", () => {
    const source = fs.readFileSync(path.resolve(__dirname, '../../../lambdas/api/idempotency.ts'), 'utf8');
    const keyPrefix = /keyPrefix:\s*'([^']+)'/.exec(source)?.[1];

    expect(`${keyPrefix}#`).toBe(API_IDEMPOTENCY_KEY_PREFIX);
  });

  it('conditions every API statement on the idempotency table with dynamodb:LeadingKeys', () => {
    const statements = dynamoDbStatements(ALL_SERVICES[0]!).filter((s) =>
      referencedLogicalIds(s.Resource).includes('IdempotencyTable'),
    );

    expect(statements).toHaveLength(1);
    expect(statements[0]!.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${API_IDEMPOTENCY_KEY_PREFIX}*`] },
    });
    expect(asArray(statements[0]!.Action).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it.each(CONSUMER_SERVICES.map((s) => [s.name, s] as const))(
    '%s has no access to the idempotency table at all (policy or environment)',
    (_name, service) => {
      const statements = statementsOfFunction(template, functionId(service));
      const fn = template.toJSON().Resources[functionId(service)];

      expect(statements.flatMap((s) => referencedLogicalIds(s.Resource))).not.toContain('IdempotencyTable');
      expect(JSON.stringify(fn.Properties.Environment)).not.toContain('IdempotencyTable');
    },
  );
});

describe('KMS and S3 grants', () => {
  const allStatements = ALL_SERVICES.flatMap((s) => statementsOfFunction(template, functionId(s)));

  it('uses the stream key only through Kinesis in the stack region (kms:ViaService)', () => {
    const kmsStatements = allStatements.filter((s) => asArray<string>(s.Action).some((a) => a.startsWith('kms:')));

    // 6 consumers decrypt, 6 publishers (API, saga, inventory, payment, shipping, sweeper) encrypt
    expect(kmsStatements).toHaveLength(12);
    for (const statement of kmsStatements) {
      expect(referencedLogicalIds(statement.Resource)).toEqual(['StreamKey']);
      expect(statement.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['kinesis.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        },
      });
    }
  });

  it('lets the mappings put failed batches only under aws/lambda/ of the failed-records bucket', () => {
    const puts = allStatements.filter((s) => asArray<string>(s.Action).includes('s3:PutObject'));

    expect(puts).toHaveLength(CONSUMER_SERVICES.length);
    for (const statement of puts) {
      expect(statement.Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': ['FailedRecordsBucket', 'Arn'] }, '/aws/lambda/*']],
      });
    }
  });
});
