import { createHash } from 'node:crypto';
import type { LocalCredential } from '../auth';
import type { MappingConfig } from '../esm/types';
import type { LocalFunctionDefinition } from '../functions';
import {
  type DynamoDbTables,
  dynamoDbAuthorizations,
  type KinesisStreams,
  kinesisAuthorizations,
  type RequiredAuthorization,
} from '../iam';
import type { LocalTemplate } from '../template';
import {
  AccessChecker,
  type AccessDenial,
  type AccessMode,
  type AccessPrincipal,
  type ResourcePolicy,
} from './access-checker';
import {
  bucketPolicyByArn,
  type FunctionRole,
  keyPolicyByArn,
  managedPolicy,
  roleOfFunction,
} from './template-policies';

/**
 * Who is who locally, from the synthesized template: one principal per function (its role, as a
 * Lambda role session, with its own access key so each call it signs is attributed to it) and the
 * API callers the app declares (each holding one of the template's managed policies). Also what
 * each DynamoDB / Kinesis call needs, and the event-source mappings' own permissions, checked as
 * AWS checks them when it creates a mapping.
 */

/** A caller of the HTTP API with fixed local keys and one managed policy of the template. */
export interface ApiPrincipalSpec {
  readonly name: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Logical id of the AWS::IAM::ManagedPolicy it holds. */
  readonly managedPolicy: string;
  /** What the principal stands for (README, local-principals.json). */
  readonly description: string;
}

export type LocalPrincipal = LocalCredential & AccessPrincipal & { readonly description: string };

export interface LocalAccessOptions {
  readonly template: LocalTemplate;
  readonly functions: readonly LocalFunctionDefinition[];
  /** @default none */
  readonly apiPrincipals?: readonly ApiPrincipalSpec[];
  readonly mode: AccessMode;
  readonly region: string;
  readonly accountId: string;
  readonly log: (line: string) => void;
}

export class LocalAccess {
  public readonly checker: AccessChecker;
  /** The API callers, then one principal per function, named by its service. */
  public readonly principals: readonly LocalPrincipal[];
  private readonly byAccessKey: Map<string, LocalPrincipal>;
  private readonly byFunctionName: Map<string, LocalPrincipal>;
  private readonly tables: DynamoDbTables;
  private readonly streams: KinesisStreams;

  public constructor(private readonly options: LocalAccessOptions) {
    const { template } = options;
    // Resolved once per ARN: every put to the encrypted stream asks for the key policy.
    const resourcePolicies = new Map<string, ResourcePolicy | undefined>();
    const resourcePolicyOf = (arn: string): ResourcePolicy | undefined => {
      const keyPolicy = arn.startsWith('arn:aws:kms:') ? keyPolicyByArn(template, arn) : undefined;
      if (keyPolicy) return { policy: keyPolicy, mustAllow: true };
      const bucketArn = /^(arn:aws:s3:::[^/]+)/.exec(arn)?.[1];
      const bucketPolicy = bucketArn ? bucketPolicyByArn(template, bucketArn) : undefined;
      return bucketPolicy ? { policy: bucketPolicy, mustAllow: false } : undefined;
    };
    this.checker = new AccessChecker({
      mode: options.mode,
      log: options.log,
      resourcePolicyOf: (arn) => {
        if (!resourcePolicies.has(arn)) resourcePolicies.set(arn, resourcePolicyOf(arn));
        return resourcePolicies.get(arn);
      },
    });
    const apiPrincipals = (options.apiPrincipals ?? []).map(
      (spec): LocalPrincipal => ({
        name: spec.name,
        description: spec.description,
        accessKeyId: spec.accessKeyId,
        secretAccessKey: spec.secretAccessKey,
        principalArn: `arn:aws:iam::${options.accountId}:user/${spec.name}`,
        policies: [managedPolicy(template, spec.managedPolicy)],
      }),
    );
    const functionPrincipals = options.functions.map((fn) =>
      functionPrincipal(fn, roleOfFunction(template, fn.logicalId), options),
    );
    this.principals = [...apiPrincipals, ...functionPrincipals.map(([principal]) => principal)];
    this.byAccessKey = new Map(this.principals.map((principal) => [principal.accessKeyId, principal]));
    this.byFunctionName = new Map(functionPrincipals.map(([principal, fn]) => [fn.functionName, principal]));
    this.tables = tablesOf(template, options.region, options.accountId);
    this.streams = streamsOf(template, options.region, options.accountId);
  }

  /** The principal an access key stands for. */
  public principalOf(accessKeyId: string): LocalPrincipal | undefined {
    return this.byAccessKey.get(accessKeyId);
  }

  /** The credentials a function's environment carries (Lambda gives each function its role's). */
  public credentialsOf(fn: LocalFunctionDefinition): Record<string, string> {
    const principal = this.functionPrincipal(fn.functionName);
    return { AWS_ACCESS_KEY_ID: principal.accessKeyId, AWS_SECRET_ACCESS_KEY: principal.secretAccessKey };
  }

  public dynamoDbAuthorizations(operation: string, body: unknown): RequiredAuthorization[] {
    return dynamoDbAuthorizations(operation, body, this.tables);
  }

  public kinesisAuthorizations(operation: string, body: unknown): RequiredAuthorization[] {
    return kinesisAuthorizations(operation, body, this.streams);
  }

  /**
   * What an event-source mapping needs of its function's role before Lambda will create it: read
   * the stream through its consumer, decrypt (key policy too), write failed batches to the bucket.
   * The denials, each with AWS's message; none = the mapping may start.
   */
  public mappingDenials(mapping: MappingConfig): AccessDenial[] {
    const principal = this.functionPrincipal(mapping.functionName);
    const stream = mapping.streamArn;
    const needs: RequiredAuthorization[] = [
      ...['DescribeStream', 'DescribeStreamSummary', 'GetRecords', 'GetShardIterator', 'ListShards'].map((op) => ({
        action: `kinesis:${op}`,
        resource: stream,
        context: {},
      })),
      ...['DescribeStreamConsumer', 'SubscribeToShard'].map((op) => ({
        action: `kinesis:${op}`,
        resource: mapping.consumerArn,
        context: {},
      })),
    ];
    const keyArn = this.streams.keyArnOf?.(stream);
    if (keyArn) {
      needs.push({
        action: 'kms:Decrypt',
        resource: keyArn,
        context: {
          'kms:ViaService': `kinesis.${this.options.region}.amazonaws.com`,
          'kms:EncryptionContext:aws:kinesis:arn': stream,
        },
      });
    }
    if (mapping.onFailureDestination?.startsWith('arn:aws:s3:::')) {
      const bucket = mapping.onFailureDestination;
      needs.push(
        {
          action: 's3:PutObject',
          resource: `${bucket}/aws/lambda/${mapping.id}/shardId-000000000000/object`,
          context: { 'aws:SecureTransport': 'true' },
        },
        { action: 's3:ListBucket', resource: bucket, context: { 'aws:SecureTransport': 'true' } },
      );
    }
    const denials: AccessDenial[] = [];
    for (const need of needs) {
      const decision = this.checker.check(principal, [need]);
      if (!decision.allowed) denials.push(decision.denial);
    }
    return denials;
  }

  private functionPrincipal(functionName: string): LocalPrincipal {
    const principal = this.byFunctionName.get(functionName);
    if (!principal) throw new Error(`no local principal for function ${functionName}`);
    return principal;
  }
}

function functionPrincipal(
  fn: LocalFunctionDefinition,
  role: FunctionRole,
  options: LocalAccessOptions,
): [LocalPrincipal, LocalFunctionDefinition] {
  if (role.unresolvedManagedPolicies.length > 0) {
    options.log(
      `[iam] ${fn.serviceName}: not evaluated (AWS-managed, not in the template): ${role.unresolvedManagedPolicies.join(', ')}`,
    );
  }
  // Fixed across restarts, so a developer's AWS CLI profile for a function keeps working.
  const digest = createHash('sha256').update(fn.functionName).digest('hex').toUpperCase();
  return [
    {
      name: fn.serviceName,
      description: `the ${fn.serviceName} function's role (${role.roleName})`,
      accessKeyId: `ASIALOCAL${digest.slice(0, 11)}`,
      secretAccessKey: `local-${fn.serviceName}-${digest.slice(11, 31).toLowerCase()}`,
      principalArn: `arn:aws:sts::${options.accountId}:assumed-role/${role.roleName}/${fn.functionName}`,
      policies: role.policies,
    },
    fn,
  ];
}

/** Tables by name: ARN and partition key (of the table and of each index). */
function tablesOf(template: LocalTemplate, region: string, accountId: string): DynamoDbTables {
  const keys = new Map<string, string | undefined>();
  const arns = new Map<string, string>();
  for (const { logicalId, resource } of template.resourcesOfType('AWS::DynamoDB::Table')) {
    const props = (resource.Properties ?? {}) as Record<string, unknown>;
    const name = template.physicalName(logicalId);
    arns.set(name, template.getAtt(logicalId, 'Arn'));
    keys.set(name, hashKeyOf(props.KeySchema));
    for (const index of (props.GlobalSecondaryIndexes ?? []) as Array<{ IndexName?: string; KeySchema?: unknown }>) {
      keys.set(`${name}/index/${index.IndexName}`, hashKeyOf(index.KeySchema));
    }
  }
  const nameOf = (tableName: string): string => tableName.replace(/^arn:aws:dynamodb:[^:]*:\d+:table\//, '');
  return {
    arnOf: (tableName) =>
      arns.get(nameOf(tableName)) ?? `arn:aws:dynamodb:${region}:${accountId}:table/${nameOf(tableName)}`,
    partitionKeyOf: (tableName, indexName) =>
      keys.get(indexName ? `${nameOf(tableName)}/index/${indexName}` : nameOf(tableName)),
  };
}

function hashKeyOf(keySchema: unknown): string | undefined {
  return ((keySchema ?? []) as Array<{ AttributeName?: string; KeyType?: string }>).find((k) => k.KeyType === 'HASH')
    ?.AttributeName;
}

/** Streams by name or ARN, and the customer-managed key of an encrypted stream. */
function streamsOf(template: LocalTemplate, region: string, accountId: string): KinesisStreams {
  const byName = new Map<string, { arn: string; keyArn?: string }>();
  for (const { logicalId, resource } of template.resourcesOfType('AWS::Kinesis::Stream')) {
    const encryption = (resource.Properties?.StreamEncryption ?? undefined) as { KeyId?: unknown } | undefined;
    const keyId = encryption?.KeyId === undefined ? undefined : String(template.resolve(encryption.KeyId));
    byName.set(template.physicalName(logicalId), {
      arn: template.getAtt(logicalId, 'Arn'),
      // alias/aws/kinesis (AWS-managed): its key policy allows the account's Kinesis users; no grant to check.
      keyArn: keyId?.startsWith('arn:aws:kms:') && keyId.includes(':key/') ? keyId : undefined,
    });
  }
  const find = (nameOrArn: string) =>
    byName.get(nameOrArn) ?? [...byName.values()].find((stream) => stream.arn === nameOrArn);
  return {
    region,
    arnOf: (nameOrArn) =>
      find(nameOrArn)?.arn ??
      (nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:kinesis:${region}:${accountId}:stream/${nameOrArn}`),
    keyArnOf: (streamArn) => find(streamArn)?.keyArn,
  };
}
