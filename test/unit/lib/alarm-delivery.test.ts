import { Template } from 'aws-cdk-lib/assertions';
import {
  asArray,
  type CfnResource,
  type PolicyStatement,
  referencedLogicalIds,
  resourcesOfType,
  synthStack,
  unacknowledgedNagFindings,
} from './template-helpers';

// An alarm notifies someone only if every link holds: alarm action -> topic -> a topic policy that
// lets CloudWatch publish for THAT alarm -> the topic's KMS key -> a key policy that lets CloudWatch
// encrypt with it. Walked from the alarms of the synthesized template, for several configurations.

const CLOUDWATCH = 'cloudwatch.amazonaws.com';

const allowsCloudWatch = (statement: PolicyStatement & { Principal?: any }, actions: readonly string[]): boolean =>
  statement.Effect === 'Allow' &&
  asArray<string>(statement.Principal?.Service).includes(CLOUDWATCH) &&
  actions.every((action) => asArray(statement.Action).includes(action));

/** Every broken link of the chain for each alarm, and how many alarms were walked. */
function walkAlarms(template: Template): { walked: number; problems: string[] } {
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  const topics = resourcesOfType(template, 'AWS::SNS::Topic');
  const topicPolicies = Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy'));
  const keys = resourcesOfType(template, 'AWS::KMS::Key');
  const problems: string[] = [];

  for (const [alarmId, alarm] of Object.entries(alarms)) {
    const topicIds = referencedLogicalIds(alarm.Properties.AlarmActions);
    if (topicIds.length === 0) problems.push(`${alarmId}: no alarm action`);
    for (const topicId of topicIds) {
      const topic: CfnResource | undefined = topics[topicId];
      if (!topic) {
        problems.push(`${alarmId}: action ${topicId} is not a topic of this stack`);
        continue;
      }
      const statements = topicPolicies
        .filter((policy) => referencedLogicalIds(policy.Properties.Topics).includes(topicId))
        .flatMap((policy) => asArray<PolicyStatement>(policy.Properties.PolicyDocument.Statement));
      const publish = statements.find((s) => allowsCloudWatch(s, ['sns:Publish']));
      if (!publish) {
        problems.push(`${alarmId} -> ${topicId}: no topic policy statement allows ${CLOUDWATCH} sns:Publish`);
      } else {
        const condition = publish.Condition as Record<string, Record<string, unknown>> | undefined;
        if (condition?.StringEquals?.['aws:SourceAccount'] === undefined) {
          problems.push(`${alarmId} -> ${topicId}: publish Allow not scoped by aws:SourceAccount`);
        }
        const sourceArns = asArray(condition?.ArnEquals?.['aws:SourceArn']);
        if (!sourceArns.some((arn) => JSON.stringify(arn) === JSON.stringify({ 'Fn::GetAtt': [alarmId, 'Arn'] }))) {
          problems.push(`${alarmId} -> ${topicId}: publish Allow does not name this alarm in aws:SourceArn`);
        }
      }
      const keyId = referencedLogicalIds(topic.Properties.KmsMasterKeyId)[0];
      const key = keyId ? keys[keyId] : undefined;
      if (!key) {
        problems.push(`${alarmId} -> ${topicId}: not encrypted with a key of this stack`);
        continue;
      }
      const keyStatements = asArray<PolicyStatement>(key.Properties.KeyPolicy.Statement);
      if (!keyStatements.some((s) => allowsCloudWatch(s, ['kms:Decrypt', 'kms:GenerateDataKey*']))) {
        problems.push(`${alarmId} -> ${topicId} -> ${keyId}: key policy does not let ${CLOUDWATCH} use the key`);
      }
    }
  }
  return { walked: Object.keys(alarms).length, problems };
}

describe('alarm delivery: every alarm action -> topic -> topic policy -> key -> key policy', () => {
  it.each([
    ['default props', {}],
    [
      'AWS-managed stream key, JWT auth, an alarm email',
      {
        streamEncryption: 'AWS_MANAGED' as const,
        apiAuth: 'JWT' as const,
        jwtIssuer: 'https://issuer.example.com',
        jwtAudience: ['orders'],
        alarmEmail: 'ops@example.com',
      },
    ],
  ])('holds for every alarm (%s)', (_name, props) => {
    const { template } = synthStack(props, { bundle: false });

    const { walked, problems } = walkAlarms(template);

    // The stack has the consumers' alarms (x6), the API's and the sweeper/saga ones: a walk over
    // nothing would prove nothing.
    expect(walked).toBeGreaterThanOrEqual(10);
    expect(problems).toEqual([]);
  });

  it('finds a missing link (the walk is not vacuous)', () => {
    const { template } = synthStack({}, { bundle: false });
    const json = template.toJSON();
    for (const policy of Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::SNS::TopicPolicy')) {
      policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter(
        (s: PolicyStatement) => s.Effect === 'Deny',
      );
    }

    const { walked, problems } = walkAlarms(Template.fromJSON(json));

    expect(problems).toHaveLength(walked);
    expect(problems[0]).toMatch(/no topic policy statement allows cloudwatch.amazonaws.com sns:Publish/);
  });

  it('is cdk-nag clean (no new acknowledgement)', () => {
    const { stack } = synthStack({}, { bundle: false });

    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});
