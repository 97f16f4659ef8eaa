import {
  type AuthorizationRequest,
  denialMessage,
  evaluate,
  type NamedPolicy,
  type PolicyDocument,
  type PrincipalElement,
  parsePolicyDocument,
  unknownActions,
} from '../../../../local/iam';

const ACCOUNT = '000000000000';
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/ApiRole/api`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ApiRole`;
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Orders`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BUCKET_OBJECT = 'arn:aws:s3:::orders-archive/2024/01/order.json';

function request(overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return { principalArn: SESSION, action: 'dynamodb:GetItem', resource: TABLE, ...overrides };
}

function policy(name: string, ...Statement: PolicyDocument['Statement'][]): NamedPolicy {
  return { name, document: { Version: '2012-10-17', Statement: Statement.flat() } };
}

const allowGetItem = policy('Read', {
  Sid: 'ReadOrders',
  Effect: 'Allow',
  Action: 'dynamodb:GetItem',
  Resource: TABLE,
});

describe('evaluate: statements', () => {
  it('implicitly denies when no statement applies', () => {
    // Prepare
    const policies = { identity: [policy('Write', { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE })] };

    // Act
    const decision = evaluate(request(), policies);

    // Assess
    expect(decision).toEqual({ effect: 'IMPLICIT_DENY', missing: 'identity' });
  });

  it('allows through a matching Allow and names the statement', () => {
    const decision = evaluate(request(), { identity: [allowGetItem] });

    expect(decision).toEqual({ effect: 'ALLOW', by: { policy: 'Read', kind: 'identity', sid: 'ReadOrders' } });
  });

  it('lets an explicit Deny beat an Allow, in whichever policy it is', () => {
    // Prepare
    const deny = policy('Guard', { Sid: 'NoReads', Effect: 'Deny', Action: 'dynamodb:Get*', Resource: '*' });

    // Act
    const decision = evaluate(request(), { identity: [allowGetItem, deny] });

    // Assess
    expect(decision).toEqual({ effect: 'EXPLICIT_DENY', by: { policy: 'Guard', kind: 'identity', sid: 'NoReads' } });
  });

  it('matches actions case-insensitively with * and ? wildcards', () => {
    const wildcards = policy('W', { Effect: 'Allow', Action: ['DynamoDB:get?tem', 'kinesis:*'], Resource: '*' });

    expect(evaluate(request(), { identity: [wildcards] }).effect).toBe('ALLOW');
    expect(evaluate(request({ action: 'dynamodb:GetItems' }), { identity: [wildcards] }).effect).toBe('IMPLICIT_DENY');
    expect(evaluate(request({ action: 'kinesis:PutRecords' }), { identity: [wildcards] }).effect).toBe('ALLOW');
  });

  it('matches resources case-sensitively, a * spanning / and :', () => {
    const tables = policy('T', { Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:*:table/Ord?rs*' });

    expect(evaluate(request(), { identity: [tables] }).effect).toBe('ALLOW');
    expect(evaluate(request({ resource: `${TABLE}/index/byCustomer` }), { identity: [tables] }).effect).toBe('ALLOW');
    expect(evaluate(request({ resource: TABLE.replace('Orders', 'orders') }), { identity: [tables] }).effect).toBe(
      'IMPLICIT_DENY',
    );
  });

  it('applies NotAction to every action but the listed ones, and a Deny still wins (AWS NotAction example)', () => {
    // Prepare: allow everything except IAM, deny DeleteTable.
    const policies = {
      identity: [
        policy(
          'Broad',
          { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
          { Sid: 'KeepTables', Effect: 'Deny', Action: 'dynamodb:DeleteTable', Resource: '*' },
        ),
      ],
    };

    // Act / Assess
    expect(evaluate(request(), policies).effect).toBe('ALLOW');
    expect(evaluate(request({ action: 'iam:CreateUser', resource: '*' }), policies).effect).toBe('IMPLICIT_DENY');
    expect(evaluate(request({ action: 'dynamodb:DeleteTable' }), policies)).toEqual({
      effect: 'EXPLICIT_DENY',
      by: { policy: 'Broad', kind: 'identity', sid: 'KeepTables' },
    });
  });

  it('applies NotResource to every resource but the listed ones', () => {
    const others = policy('O', { Effect: 'Allow', Action: 'dynamodb:GetItem', NotResource: `${TABLE}*` });

    expect(evaluate(request(), { identity: [others] }).effect).toBe('IMPLICIT_DENY');
    expect(evaluate(request({ resource: TABLE.replace('Orders', 'Carts') }), { identity: [others] }).effect).toBe(
      'ALLOW',
    );
  });

  it('reads Statement as one object as well as an array', () => {
    const single: NamedPolicy = {
      name: 'One',
      document: { Statement: { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' } },
    };

    expect(evaluate(request(), { identity: [single] }).effect).toBe('ALLOW');
  });
});

describe('evaluate: conditions', () => {
  const leadingKeysPolicy = policy('Own', {
    Effect: 'Allow',
    Action: 'dynamodb:GetItem',
    Resource: TABLE,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['customer#c1', 'customer#c1#*'] } },
  });

  it('ForAllValues: allows when every leading key matches', () => {
    const context = { 'dynamodb:LeadingKeys': ['customer#c1', 'customer#c1#order#7'] };

    expect(evaluate(request({ context }), { identity: [leadingKeysPolicy] }).effect).toBe('ALLOW');
  });

  it('ForAllValues: denies when one leading key does not match', () => {
    const context = { 'dynamodb:LeadingKeys': ['customer#c1', 'customer#c2'] };

    expect(evaluate(request({ context }), { identity: [leadingKeysPolicy] }).effect).toBe('IMPLICIT_DENY');
  });

  it('ForAllValues: holds when the key is absent or empty, as AWS warns', () => {
    expect(evaluate(request(), { identity: [leadingKeysPolicy] }).effect).toBe('ALLOW');
    expect(
      evaluate(request({ context: { 'dynamodb:LeadingKeys': [] } }), { identity: [leadingKeysPolicy] }).effect,
    ).toBe('ALLOW');
  });

  it('ForAnyValue: needs one matching value and fails on an absent key', () => {
    const any = policy('Any', {
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: TABLE,
      Condition: { 'ForAnyValue:StringEquals': { 'dynamodb:EnclosingOperation': 'TransactGetItems' } },
    });

    expect(
      evaluate(request({ context: { 'dynamodb:EnclosingOperation': 'TransactGetItems' } }), { identity: [any] }).effect,
    ).toBe('ALLOW');
    expect(evaluate(request(), { identity: [any] }).effect).toBe('IMPLICIT_DENY');
  });

  it('reads condition key names case-insensitively', () => {
    const context = { 'DynamoDB:leadingkeys': ['customer#c2'] };

    expect(evaluate(request({ context }), { identity: [leadingKeysPolicy] }).effect).toBe('IMPLICIT_DENY');
  });

  it('a plain operator on a missing key is false, its Not- form true, its IfExists form true', () => {
    const withCondition = (Condition: Record<string, Record<string, string>>) =>
      policy('C', { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE, Condition });

    expect(
      evaluate(request(), { identity: [withCondition({ StringEquals: { 'aws:SourceVpce': 'vpce-1' } })] }).effect,
    ).toBe('IMPLICIT_DENY');
    expect(
      evaluate(request(), { identity: [withCondition({ StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } })] }).effect,
    ).toBe('ALLOW');
    expect(
      evaluate(request(), { identity: [withCondition({ StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1' } })] })
        .effect,
    ).toBe('ALLOW');
    expect(
      evaluate(request({ context: { 'aws:SourceVpce': 'vpce-2' } }), {
        identity: [withCondition({ StringEqualsIfExists: { 'aws:SourceVpce': 'vpce-1' } })],
      }).effect,
    ).toBe('IMPLICIT_DENY');
  });

  it('Null tests whether the key is present', () => {
    // Prepare: deny anything without LeadingKeys (AWS's guard for ForAllValues).
    const guard = policy('Guard', {
      Effect: 'Deny',
      Action: 'dynamodb:*',
      Resource: '*',
      Condition: { Null: { 'dynamodb:LeadingKeys': 'true' } },
    });
    const policies = { identity: [leadingKeysPolicy, guard] };

    // Act / Assess
    expect(evaluate(request(), policies).effect).toBe('EXPLICIT_DENY');
    expect(evaluate(request({ context: { 'dynamodb:LeadingKeys': ['customer#c1'] } }), policies).effect).toBe('ALLOW');
  });

  it('ORs the values of one key, NORs them for a negated operator, and ANDs keys and operators', () => {
    const condition = {
      StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] },
      StringNotEquals: { 'aws:PrincipalTag/team': ['ops', 'audit'] },
    };
    const both = policy('Both', { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE, Condition: condition });
    const at = (region: string, team: string) =>
      evaluate(request({ context: { 'aws:RequestedRegion': region, 'aws:PrincipalTag/team': team } }), {
        identity: [both],
      }).effect;

    expect(at('eu-west-1', 'orders')).toBe('ALLOW');
    expect(at('ap-south-1', 'orders')).toBe('IMPLICIT_DENY');
    expect(at('us-east-1', 'audit')).toBe('IMPLICIT_DENY');
  });

  it('without a set operator, a multivalued key matches if any value does (none, for a negated operator)', () => {
    const withCondition = (Condition: Record<string, Record<string, string>>) =>
      policy('C', { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE, Condition });
    const context = { 'aws:TagKeys': ['team', 'cost-center'] };

    expect(
      evaluate(request({ context }), { identity: [withCondition({ StringEquals: { 'aws:TagKeys': 'team' } })] }).effect,
    ).toBe('ALLOW');
    expect(
      evaluate(request({ context }), { identity: [withCondition({ StringNotEquals: { 'aws:TagKeys': 'team' } })] })
        .effect,
    ).toBe('IMPLICIT_DENY');
  });

  it('ForAllValues with a negated operator: every value must avoid the pattern (AWS aws:TagKeys example)', () => {
    const deny = policy('D', {
      Effect: 'Deny',
      Action: 'iam:Tag*',
      Resource: '*',
      Condition: { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } },
    });
    const allow = policy('A', { Effect: 'Allow', Action: 'iam:*', Resource: '*' });
    const tag = (keys?: string[]) =>
      evaluate(
        request({ action: 'iam:TagRole', resource: ROLE, ...(keys ? { context: { 'aws:TagKeys': keys } } : {}) }),
        {
          identity: [allow, deny],
        },
      ).effect;

    expect(tag(['key1:legal'])).toBe('ALLOW');
    expect(tag(['key1:hr', 'key1:personnel'])).toBe('ALLOW');
    expect(tag(['key2:audit'])).toBe('EXPLICIT_DENY');
    expect(tag()).toBe('EXPLICIT_DENY');
  });

  it('compares Bool, Numeric, IgnoreCase and Arn operators', () => {
    const condition = {
      Bool: { 'aws:SecureTransport': true },
      NumericLessThanEquals: { 's3:max-keys': 10 },
      StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'Orders' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:lambda:*:000000000000:function:orders-*' },
    };
    const all = policy('All', { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE, Condition: condition });
    const context = {
      'aws:SecureTransport': true,
      's3:max-keys': 10,
      'aws:PrincipalTag/team': 'ORDERS',
      'aws:SourceArn': 'arn:aws:lambda:us-east-1:000000000000:function:orders-api',
    };

    expect(evaluate(request({ context }), { identity: [all] }).effect).toBe('ALLOW');
    expect(
      evaluate(request({ context: { ...context, 'aws:SecureTransport': false } }), { identity: [all] }).effect,
    ).toBe('IMPLICIT_DENY');
    expect(evaluate(request({ context: { ...context, 's3:max-keys': 11 } }), { identity: [all] }).effect).toBe(
      'IMPLICIT_DENY',
    );
    // ArnLike's wildcard stays within one ARN component: the region's * cannot swallow the account.
    const otherAccount = 'arn:aws:lambda:us-east-1:111111111111:function:orders-api';
    expect(
      evaluate(request({ context: { ...context, 'aws:SourceArn': otherAccount } }), { identity: [all] }).effect,
    ).toBe('IMPLICIT_DENY');
  });

  it('throws on an unknown or unsupported operator instead of evaluating the policy', () => {
    const typo = policy('Typo', {
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: TABLE,
      Condition: { StringEqual: { 'aws:SourceVpce': 'vpce-1' } },
    });
    const dates = policy('Dates', {
      Effect: 'Deny',
      Action: 'dynamodb:GetItem',
      Resource: TABLE,
      Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    });

    expect(() => evaluate(request(), { identity: [typo] })).toThrow(/unknown condition operator StringEqual/);
    expect(() => evaluate(request(), { identity: [dates] })).toThrow(/DateGreaterThan is not supported/);
  });

  it('throws on a policy variable in Resource or Condition', () => {
    const inResource = policy('R', {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/${aws:username}/*',
    });
    const inCondition = policy('C', {
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: TABLE,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': '${aws:userid}' } },
    });

    expect(() => evaluate(request(), { identity: [inResource] })).toThrow(/policy variables are not supported/);
    expect(() => evaluate(request(), { identity: [inCondition] })).toThrow(/policy variables are not supported/);
  });
});

describe('evaluate: resource-based policies', () => {
  const bucketPolicy = (Principal: PrincipalElement) =>
    policy('BucketPolicy', {
      Sid: 'ArchiveWriter',
      Effect: 'Allow',
      Principal,
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::orders-archive/*',
    });
  const put = request({ action: 's3:PutObject', resource: BUCKET_OBJECT });

  it('allows a role named by a bucket policy without any identity policy', () => {
    const decision = evaluate(put, { identity: [], resource: bucketPolicy({ AWS: ROLE }) });

    expect(decision).toEqual({
      effect: 'ALLOW',
      by: { policy: 'BucketPolicy', kind: 'resource', sid: 'ArchiveWriter' },
    });
  });

  it('matches a role with a path by its name, and never through a Service principal', () => {
    const withPath = `arn:aws:iam::${ACCOUNT}:role/service-role/ApiRole`;

    expect(evaluate(put, { identity: [], resource: bucketPolicy({ AWS: [withPath] }) }).effect).toBe('ALLOW');
    expect(
      evaluate(put, { identity: [], resource: bucketPolicy({ AWS: `arn:aws:iam::${ACCOUNT}:role/Other` }) }).effect,
    ).toBe('IMPLICIT_DENY');
    expect(evaluate(put, { identity: [], resource: bucketPolicy({ Service: 'lambda.amazonaws.com' }) }).effect).toBe(
      'IMPLICIT_DENY',
    );
  });

  it('treats the account principal as a delegation: the identity policy must allow', () => {
    const delegating = bucketPolicy({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
    const identity = policy('Archive', { Effect: 'Allow', Action: 's3:PutObject', Resource: '*' });

    expect(evaluate(put, { identity: [], resource: delegating }).effect).toBe('IMPLICIT_DENY');
    expect(evaluate(put, { identity: [identity], resource: delegating }).effect).toBe('ALLOW');
  });

  it('lets a Deny in the resource policy beat an identity Allow', () => {
    const deny = policy('BucketPolicy', {
      Sid: 'NoWrites',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: 'arn:aws:s3:::orders-archive/*',
    });
    const identity = policy('Archive', { Effect: 'Allow', Action: 's3:PutObject', Resource: '*' });

    expect(evaluate(put, { identity: [identity], resource: deny })).toEqual({
      effect: 'EXPLICIT_DENY',
      by: { policy: 'BucketPolicy', kind: 'resource', sid: 'NoWrites' },
    });
  });

  it('needs both sides to allow across accounts', () => {
    const otherAccountObject = request({ action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111111111111:q' });
    const queuePolicy = policy('QueuePolicy', { Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'sqs:*' });
    const identity = policy('Send', { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' });

    expect(evaluate(otherAccountObject, { identity: [], resource: queuePolicy })).toEqual({
      effect: 'IMPLICIT_DENY',
      missing: 'identity',
    });
    expect(evaluate(otherAccountObject, { identity: [identity] })).toEqual({
      effect: 'IMPLICIT_DENY',
      missing: 'resource',
    });
    expect(evaluate(otherAccountObject, { identity: [identity], resource: queuePolicy }).effect).toBe('ALLOW');
  });
});

describe('evaluate: KMS key policies (resourcePolicyRequired)', () => {
  const decrypt = request({
    action: 'kms:Decrypt',
    resource: KEY,
    context: { 'kms:ViaService': 'kinesis.us-east-1.amazonaws.com' },
  });
  const identity = policy('Consume', {
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: KEY,
    Condition: { StringEquals: { 'kms:ViaService': 'kinesis.us-east-1.amazonaws.com' } },
  });
  const defaultKeyPolicy = policy('KeyPolicy', {
    Sid: 'Enable IAM User Permissions',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: 'kms:*',
    Resource: '*',
  });

  it('allows with the default key policy (delegation to the account root) plus an identity allow', () => {
    const decision = evaluate(decrypt, {
      identity: [identity],
      resource: defaultKeyPolicy,
      resourcePolicyRequired: true,
    });

    expect(decision).toEqual({ effect: 'ALLOW', by: { policy: 'Consume', kind: 'identity' } });
  });

  it('delegates through the bare account id as through the root ARN', () => {
    const byAccountId = policy('KeyPolicy', {
      Effect: 'Allow',
      Principal: { AWS: ACCOUNT },
      Action: 'kms:*',
      Resource: '*',
    });

    expect(
      evaluate(decrypt, { identity: [identity], resource: byAccountId, resourcePolicyRequired: true }).effect,
    ).toBe('ALLOW');
  });

  it('denies an identity allow when the key policy does not delegate to IAM', () => {
    const adminsOnly = policy('KeyPolicy', {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin` },
      Action: 'kms:*',
      Resource: '*',
    });

    expect(evaluate(decrypt, { identity: [identity], resource: adminsOnly, resourcePolicyRequired: true })).toEqual({
      effect: 'IMPLICIT_DENY',
      missing: 'resource',
    });
    expect(evaluate(decrypt, { identity: [identity], resourcePolicyRequired: true }).effect).toBe('IMPLICIT_DENY');
  });

  it('denies with a delegating key policy but no identity allow', () => {
    expect(evaluate(decrypt, { identity: [], resource: defaultKeyPolicy, resourcePolicyRequired: true })).toEqual({
      effect: 'IMPLICIT_DENY',
      missing: 'identity',
    });
  });

  it('allows a key policy that names the role itself, without an identity policy', () => {
    const keyUsers = policy('KeyPolicy', {
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 'kms:Decrypt',
      Resource: '*',
    });

    expect(evaluate(decrypt, { identity: [], resource: keyUsers, resourcePolicyRequired: true }).effect).toBe('ALLOW');
  });
});

describe('evaluate: malformed policies', () => {
  it('refuses a Principal in an identity policy and a resource policy without one', () => {
    const identityWithPrincipal = policy('I', { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' });
    const resourceWithout = policy('R', { Effect: 'Allow', Action: '*', Resource: '*' });

    expect(() => evaluate(request(), { identity: [identityWithPrincipal] })).toThrow(/cannot have Principal/);
    expect(() => evaluate(request(), { identity: [], resource: resourceWithout })).toThrow(/needs Principal/);
  });

  it('parsePolicyDocument reads JSON and rejects what IAM would reject', () => {
    const json = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'x:Y', Resource: '*' }],
    });

    expect(parsePolicyDocument(json).Statement).toHaveLength(1);
    expect(() => parsePolicyDocument({ Statement: { Effect: 'allow', Action: 'x:Y' } })).toThrow(/Effect/);
    expect(() => parsePolicyDocument({ Statement: { Effect: 'Allow', Action: 'a:B', NotAction: 'a:C' } })).toThrow(
      /exactly one of Action and NotAction/,
    );
  });
});

describe('denialMessage', () => {
  it('words an implicit deny as AWS does, naming the policy kind that did not allow', () => {
    const message = denialMessage(request(), { effect: 'IMPLICIT_DENY', missing: 'identity' });

    expect(message).toBe(
      `User: ${SESSION} is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} ` +
        'because no identity-based policy allows the dynamodb:GetItem action',
    );
    expect(
      denialMessage(request({ action: 'kms:Decrypt', resource: KEY }), {
        effect: 'IMPLICIT_DENY',
        missing: 'resource',
      }),
    ).toMatch(/because no resource-based policy allows the kms:Decrypt action$/);
  });

  it('words an explicit deny by where it was', () => {
    const inIdentity = { effect: 'EXPLICIT_DENY', by: { policy: 'P', kind: 'identity' } } as const;
    const inResource = { effect: 'EXPLICIT_DENY', by: { policy: 'P', kind: 'resource' } } as const;

    expect(denialMessage(request(), inIdentity)).toBe(
      `User: ${SESSION} is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} ` +
        'with an explicit deny in an identity-based policy',
    );
    expect(denialMessage(request(), inResource)).toMatch(/with an explicit deny in a resource-based policy$/);
  });

  it('refuses an ALLOW', () => {
    expect(() => denialMessage(request(), { effect: 'ALLOW' })).toThrow(/not a denial/);
  });
});

describe('unknownActions', () => {
  it('reports misspelt actions, unknown services and wildcards that match nothing', async () => {
    // Prepare
    const document: PolicyDocument = {
      Statement: [
        {
          Sid: 'Ok',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Batch*', 'kinesis:PutRecords', '*'],
          Resource: '*',
        },
        {
          Sid: 'Typos',
          Effect: 'Allow',
          Action: ['dynamodb:GetItems', 'dynamodb:Frobnicate*', 'dynamo:GetItem'],
          Resource: '*',
        },
        { Effect: 'Allow', NotAction: ['kinesis:PutRecrd', 'kin*:PutRecord', 'zz*:Get'], Resource: '*' },
      ],
    };

    // Act
    const unknown = await unknownActions(document);

    // Assess
    expect(unknown).toEqual([
      { action: 'dynamodb:GetItems', sid: 'Typos' },
      { action: 'dynamodb:Frobnicate*', sid: 'Typos' },
      { action: 'dynamo:GetItem', sid: 'Typos' },
      { action: 'kinesis:PutRecrd' },
      { action: 'zz*:Get' },
    ]);
  });
});
