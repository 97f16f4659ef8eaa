import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrderstreamStack, type OrderstreamStackProps } from '../../../lib/orderstream-stack';

/** A CloudFormation resource as it appears in the synthesized template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, any>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
}

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
  readonly Sid?: string;
}

/**
 * Builds an OrderstreamStack in a fresh App. `bundle: false` skips esbuild (asset hashes become
 * placeholders), for test files that only look at non-code properties.
 */
export function synthStack(
  props: OrderstreamStackProps = {},
  options: { bundle?: boolean } = {},
): {
  stack: OrderstreamStack;
  template: Template;
} {
  const context = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {};
  const app = new App({ context });
  const stack = new OrderstreamStack(app, 'Orderstream-test', props);
  return { stack, template: Template.fromStack(stack) };
}

/** cdk-nag AwsSolutions findings (errors AND warnings) that are not acknowledged. */
export function unacknowledgedNagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
  );
}

export const resourcesOfType = (template: Template, type: string): Record<string, CfnResource> =>
  template.findResources(type) as Record<string, CfnResource>;

export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** All IAM statements attached (through AWS::IAM::Policy) to the role of the function with this logical ID. */
export function statementsOfFunction(template: Template, functionLogicalId: string): PolicyStatement[] {
  const fn = resourcesOfType(template, 'AWS::Lambda::Function')[functionLogicalId];
  if (!fn) throw new Error(`no function ${functionLogicalId}`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => asArray<any>(policy.Properties.Roles).some((role) => role.Ref === roleId))
    .flatMap((policy) => asArray<PolicyStatement>(policy.Properties.PolicyDocument.Statement));
}

/** Logical IDs referenced (Ref / Fn::GetAtt, also inside Fn::Join) by a template value. */
export function referencedLogicalIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedLogicalIds);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') return [record.Ref];
    if (Array.isArray(record['Fn::GetAtt'])) return [record['Fn::GetAtt'][0] as string];
    return Object.values(record).flatMap(referencedLogicalIds);
  }
  return [];
}

/** Resources (logical IDs) on which a statement grants an action. */
export function resourcesGranted(statements: readonly PolicyStatement[], action: string): string[] {
  return statements
    .filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes(action))
    .flatMap((s) => asArray(s.Resource).flatMap((r) => (r === '*' ? ['*'] : referencedLogicalIds(r))));
}
