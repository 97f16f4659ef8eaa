import { type NamedPolicy, parsePolicyDocument } from '../iam';
import type { LocalTemplate } from '../template';

/**
 * The IAM side of a synthesized template, as the local access checks need it: each function's
 * role and the policies attached to it (inline, AWS::IAM::Policy, the template's own managed
 * policies), managed policies by logical id (for local API principals), and resource policies
 * (key policies, bucket policies). AWS-managed policies (arn:aws:iam::aws:policy/...) are not in
 * the template: they are reported, never guessed.
 */

export interface FunctionRole {
  /** Logical id of the AWS::IAM::Role. */
  readonly logicalId: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly policies: readonly NamedPolicy[];
  /** Attached policies the template does not hold (AWS-managed): their statements are not evaluated. */
  readonly unresolvedManagedPolicies: readonly string[];
}

/** The role of a function (its `Role` property, `Fn::GetAtt [Role, Arn]`). */
export function roleOfFunction(template: LocalTemplate, functionLogicalId: string): FunctionRole {
  const props = (template.resource(functionLogicalId).Properties ?? {}) as Record<string, unknown>;
  const role = props.Role as { 'Fn::GetAtt'?: unknown } | undefined;
  const getAtt = role?.['Fn::GetAtt'];
  const roleLogicalId = Array.isArray(getAtt) ? String(getAtt[0]) : String(getAtt ?? '').split('.')[0];
  if (!roleLogicalId || template.resource(roleLogicalId).Type !== 'AWS::IAM::Role') {
    throw new Error(`function ${functionLogicalId}: its Role is not a role of the template (${JSON.stringify(role)})`);
  }
  return roleDefinition(template, roleLogicalId);
}

function roleDefinition(template: LocalTemplate, roleLogicalId: string): FunctionRole {
  const roleProps = (template.resource(roleLogicalId).Properties ?? {}) as Record<string, unknown>;
  const policies: NamedPolicy[] = [];
  for (const inline of (roleProps.Policies ?? []) as Array<{ PolicyName?: unknown; PolicyDocument?: unknown }>) {
    policies.push(policyOf(template, `${roleLogicalId}/${String(inline.PolicyName)}`, inline.PolicyDocument));
  }
  const attachedTo = (resource: Record<string, unknown>): boolean =>
    ((resource.Roles ?? []) as unknown[]).some((ref) => (ref as { Ref?: unknown } | null)?.Ref === roleLogicalId);
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const { logicalId, resource } of template.resourcesOfType(type)) {
      const props = (resource.Properties ?? {}) as Record<string, unknown>;
      if (attachedTo(props)) policies.push(policyOf(template, logicalId, props.PolicyDocument));
    }
  }
  const unresolvedManagedPolicies: string[] = [];
  for (const arn of (roleProps.ManagedPolicyArns ?? []) as unknown[]) {
    const ref = (arn as { Ref?: unknown } | null)?.Ref;
    if (typeof ref === 'string' && template.resource(ref).Type === 'AWS::IAM::ManagedPolicy') {
      policies.push(managedPolicy(template, ref));
    } else {
      unresolvedManagedPolicies.push(String(template.resolve(arn)));
    }
  }
  return {
    logicalId: roleLogicalId,
    roleName: template.physicalName(roleLogicalId),
    roleArn: template.getAtt(roleLogicalId, 'Arn'),
    policies,
    unresolvedManagedPolicies,
  };
}

/** An AWS::IAM::ManagedPolicy of the template, by logical id. */
export function managedPolicy(template: LocalTemplate, logicalId: string): NamedPolicy {
  const resource = template.resource(logicalId);
  if (resource.Type !== 'AWS::IAM::ManagedPolicy') {
    throw new Error(`${logicalId} is a ${resource.Type}, not an AWS::IAM::ManagedPolicy`);
  }
  return policyOf(template, logicalId, resource.Properties?.PolicyDocument);
}

/** The key policy of an AWS::KMS::Key, by the key's ARN (undefined when the key is not the template's). */
export function keyPolicyByArn(template: LocalTemplate, keyArn: string): NamedPolicy | undefined {
  for (const { logicalId, resource } of template.resourcesOfType('AWS::KMS::Key')) {
    if (template.getAtt(logicalId, 'Arn') === keyArn) {
      return policyOf(template, `${logicalId} key policy`, resource.Properties?.KeyPolicy);
    }
  }
  return undefined;
}

/** The bucket policy of a bucket of the template, by the bucket's ARN. */
export function bucketPolicyByArn(template: LocalTemplate, bucketArn: string): NamedPolicy | undefined {
  for (const { logicalId, resource } of template.resourcesOfType('AWS::S3::BucketPolicy')) {
    const props = (resource.Properties ?? {}) as Record<string, unknown>;
    if (`arn:aws:s3:::${String(template.resolve(props.Bucket))}` === bucketArn) {
      return policyOf(template, logicalId, props.PolicyDocument);
    }
  }
  return undefined;
}

function policyOf(template: LocalTemplate, name: string, document: unknown): NamedPolicy {
  return { name, document: parsePolicyDocument(template.resolve(document)) };
}
