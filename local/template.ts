import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * A small model of a synthesized CloudFormation template that resolves the intrinsic
 * functions our stack uses (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split)
 * into LOCAL names and ARNs. Physical names are deterministic (`<stack>-<logicalId>` unless
 * the template names the resource), so persisted emulator data matches across restarts.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
}

export interface TemplateContext {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
}

export class UnsupportedIntrinsicError extends Error {
  public readonly name = 'UnsupportedIntrinsicError';
}

/** The property that names a resource explicitly, per type (absent = generated name). */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::Kinesis::Stream': 'Name',
  'AWS::Kinesis::StreamConsumer': 'ConsumerName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Events::Rule': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
};

export class LocalTemplate {
  private readonly attributeOverrides = new Map<string, string>();

  public constructor(
    public readonly template: CfnTemplate,
    public readonly context: TemplateContext,
  ) {}

  public static fromFile(path: string, context: TemplateContext): LocalTemplate {
    return new LocalTemplate(JSON.parse(readFileSync(path, 'utf8')) as CfnTemplate, context);
  }

  /** All resources of one CloudFormation type, in template order. */
  public resourcesOfType(type: string): Array<{ logicalId: string; resource: CfnResource }> {
    return Object.entries(this.template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => ({ logicalId, resource }));
  }

  public resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`template has no resource '${logicalId}'`);
    return resource;
  }

  /** Records an attribute only known after provisioning (e.g. a consumer ARN kinesis-mock returned). */
  public setAttribute(logicalId: string, attribute: string, value: string): void {
    this.attributeOverrides.set(`${logicalId}.${attribute}`, value);
  }

  /** The local physical name / id of a resource: what `Ref` returns for most types. */
  public physicalName(logicalId: string): string {
    const resource = this.resource(logicalId);
    const nameProperty = NAME_PROPERTY[resource.Type];
    const explicit = nameProperty ? resource.Properties?.[nameProperty] : undefined;
    if (explicit !== undefined) return String(this.resolve(explicit));
    const generated = `${this.context.stackName}-${logicalId}`;
    if (resource.Type === 'AWS::KMS::Key') return uuidFrom(generated);
    return resource.Type === 'AWS::S3::Bucket' ? generated.toLowerCase() : generated;
  }

  /** What `Ref` returns. */
  public ref(name: string): string {
    const pseudo = this.pseudoParameter(name);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) throw new UnsupportedIntrinsicError(`parameter '${name}' has no Default`);
      return String(parameter.Default);
    }
    const resource = this.resource(name);
    switch (resource.Type) {
      case 'AWS::Kinesis::StreamConsumer':
        return this.getAtt(name, 'ConsumerARN');
      case 'AWS::SNS::Topic':
        return this.getAtt(name, 'TopicArn');
      default:
        return this.physicalName(name);
    }
  }

  /** What `Fn::GetAtt` returns. */
  public getAtt(logicalId: string, attribute: string): string {
    const override = this.attributeOverrides.get(`${logicalId}.${attribute}`);
    if (override !== undefined) return override;
    const resource = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    const { region, accountId } = this.context;
    const key = `${resource.Type}.${attribute}`;
    switch (key) {
      case 'AWS::Kinesis::Stream.Arn':
        return `arn:aws:kinesis:${region}:${accountId}:stream/${name}`;
      case 'AWS::Kinesis::StreamConsumer.ConsumerName':
        return name;
      case 'AWS::Kinesis::StreamConsumer.StreamARN':
        return String(this.resolve(resource.Properties?.StreamARN));
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`;
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${region}:${accountId}:key/${name}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${accountId}:role/${name}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${region}:${accountId}:log-group:${name}:*`;
      case 'AWS::SNS::Topic.TopicArn':
        return `arn:aws:sns:${region}:${accountId}:${name}`;
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${region}:${accountId}:${name}`;
      case 'AWS::Events::Rule.Arn':
        return `arn:aws:events:${region}:${accountId}:rule/${name}`;
      case 'AWS::Scheduler::Schedule.Arn':
        return `arn:aws:scheduler:${region}:${accountId}:schedule/${this.resolve(resource.Properties?.GroupName ?? 'default')}/${name}`;
      default:
        throw new UnsupportedIntrinsicError(
          `Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}) has no local value` +
            (resource.Type === 'AWS::Kinesis::StreamConsumer' ? ': provision the consumer first' : ''),
        );
    }
  }

  /** Resolves every intrinsic function inside a value (deeply). */
  public resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const single = entries.length === 1 ? entries[0] : undefined;
    if (single !== undefined) {
      const [fn, arg] = single;
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [logicalId, ...path] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
          if (logicalId === undefined) throw new Error('Fn::GetAtt without a logical id');
          return this.getAtt(logicalId, path.join('.'));
        }
        case 'Fn::Join': {
          const [delimiter, items] = arg as [string, unknown[]];
          return (this.resolve(items) as unknown[]).map(String).join(delimiter);
        }
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [delimiter, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(delimiter);
        }
        default:
          if (fn.startsWith('Fn::') || fn === 'Condition') {
            throw new UnsupportedIntrinsicError(`${fn} is not supported by the local runtime`);
          }
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  private sub(arg: unknown): string {
    const [text, variables] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_match, expression: string) => {
      if (expression in variables) return String(this.resolve(variables[expression]));
      const dot = expression.indexOf('.');
      if (dot > 0 && !expression.startsWith('AWS::')) {
        return this.getAtt(expression.slice(0, dot), expression.slice(dot + 1));
      }
      return this.ref(expression);
    });
  }

  private pseudoParameter(name: string): string | undefined {
    switch (name) {
      case 'AWS::Region':
        return this.context.region;
      case 'AWS::AccountId':
        return this.context.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.context.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.context.region}:${this.context.accountId}:stack/${this.context.stackName}/local`;
      default:
        return undefined;
    }
  }
}

/** A stable UUID-shaped id (KMS key ids are UUIDs; kinesis-mock checks the ARN's shape). */
function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
