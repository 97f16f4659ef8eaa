import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException as DynamoNotFound,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  ResourceNotFoundException as KinesisNotFound,
  RegisterStreamConsumerCommand,
  StartStreamEncryptionCommand,
  type StreamMode,
} from '@aws-sdk/client-kinesis';
import type { LocalTemplate } from './template';

/**
 * Creates on the emulators what the template declares, idempotently: whatever already exists
 * (persisted data from an earlier run) is kept, only what is missing is created. After it ran,
 * the template resolves consumer ARNs (they are only known once kinesis-mock registered them).
 */

export interface ProvisionOptions {
  readonly template: LocalTemplate;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  /** Folder holding one sub-folder per on-failure bucket (the ESM engine's FolderFailedRecordSink). */
  readonly failedRecordsDir: string;
}

export interface ProvisionedResource {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** false when it already existed. */
  readonly created: boolean;
}

export interface ProvisionResult {
  readonly streams: readonly ProvisionedResource[];
  readonly consumers: readonly ProvisionedResource[];
  readonly tables: readonly ProvisionedResource[];
  /** arn = the local folder standing in for the bucket. */
  readonly buckets: readonly ProvisionedResource[];
}

type Props = Record<string, unknown>;

export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const { template } = options;
  const streams: ProvisionedResource[] = [];
  for (const { logicalId, resource } of template.resourcesOfType('AWS::Kinesis::Stream')) {
    streams.push(await provisionStream(options, logicalId, template.resolve(resource.Properties ?? {}) as Props));
  }
  const consumers: ProvisionedResource[] = [];
  for (const { logicalId, resource } of template.resourcesOfType('AWS::Kinesis::StreamConsumer')) {
    const props = template.resolve(resource.Properties ?? {}) as Props;
    const consumer = await provisionConsumer(options, logicalId, String(props.StreamARN), String(props.ConsumerName));
    template.setAttribute(logicalId, 'ConsumerARN', consumer.arn);
    consumers.push(consumer);
  }
  const tables: ProvisionedResource[] = [];
  for (const { logicalId, resource } of template.resourcesOfType('AWS::DynamoDB::Table')) {
    tables.push(await provisionTable(options, logicalId, template.resolve(resource.Properties ?? {}) as Props));
  }
  const buckets = template.resourcesOfType('AWS::S3::Bucket').map(({ logicalId }) => {
    const name = template.physicalName(logicalId);
    const dir = join(options.failedRecordsDir, name);
    mkdirSync(dir, { recursive: true });
    return { logicalId, name, arn: dir, created: true };
  });
  return { streams, consumers, tables, buckets };
}

async function provisionStream(
  options: ProvisionOptions,
  logicalId: string,
  props: Props,
): Promise<ProvisionedResource> {
  const { kinesis, template } = options;
  const name = template.physicalName(logicalId);
  const arn = template.getAtt(logicalId, 'Arn');
  const mode = ((props.StreamModeDetails as Props | undefined)?.StreamMode as StreamMode | undefined) ?? 'PROVISIONED';
  let created = false;
  if (!(await describeStream(kinesis, name))) {
    await kinesis.send(
      new CreateStreamCommand({
        StreamName: name,
        StreamModeDetails: { StreamMode: mode },
        ShardCount: mode === 'PROVISIONED' ? Number(props.ShardCount ?? 1) : undefined,
      }),
    );
    created = true;
  }
  let summary = await waitForStream(kinesis, name);
  const retention = Number(props.RetentionPeriodHours ?? 24);
  if ((summary.RetentionPeriodHours ?? 24) < retention) {
    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: retention }));
    summary = await waitForStream(kinesis, name);
  }
  const encryption = props.StreamEncryption as Props | undefined;
  if (encryption && summary.EncryptionType !== 'KMS') {
    await kinesis.send(
      new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: String(encryption.KeyId) }),
    );
    await waitForStream(kinesis, name);
  }
  return { logicalId, name, arn, created };
}

async function describeStream(kinesis: KinesisClient, name: string) {
  try {
    return (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  } catch (error) {
    if (error instanceof KinesisNotFound) return undefined;
    throw error;
  }
}

async function waitForStream(kinesis: KinesisClient, name: string) {
  return poll(`stream ${name}`, async () => {
    const summary = await describeStream(kinesis, name);
    return summary?.StreamStatus === 'ACTIVE' ? summary : undefined;
  });
}

async function provisionConsumer(
  options: ProvisionOptions,
  logicalId: string,
  streamArn: string,
  consumerName: string,
): Promise<ProvisionedResource> {
  const { kinesis } = options;
  const describe = async () => {
    try {
      return (
        await kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }))
      ).ConsumerDescription;
    } catch (error) {
      if (error instanceof KinesisNotFound) return undefined;
      throw error;
    }
  };
  let created = false;
  if (!(await describe())) {
    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }));
    created = true;
  }
  const active = await poll(`consumer ${consumerName}`, async () => {
    const description = await describe();
    return description?.ConsumerStatus === 'ACTIVE' ? description : undefined;
  });
  return { logicalId, name: consumerName, arn: String(active.ConsumerARN), created };
}

async function provisionTable(
  options: ProvisionOptions,
  logicalId: string,
  props: Props,
): Promise<ProvisionedResource> {
  const { dynamodb, template } = options;
  const name = template.physicalName(logicalId);
  const arn = template.getAtt(logicalId, 'Arn');
  const describe = async () => {
    try {
      return (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
    } catch (error) {
      if (error instanceof DynamoNotFound) return undefined;
      throw error;
    }
  };
  let created = false;
  if (!(await describe())) {
    await dynamodb.send(new CreateTableCommand(createTableInput(name, props)));
    created = true;
  }
  await poll(`table ${name}`, async () => ((await describe())?.TableStatus === 'ACTIVE' ? true : undefined));
  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl?.Enabled && ttl.AttributeName) {
    const current = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
    if (current.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }),
      );
    }
  }
  return { logicalId, name, arn, created };
}

/** CreateTable input from AWS::DynamoDB::Table properties (PITR/SSE/tags have no local meaning). */
export function createTableInput(name: string, props: Props): CreateTableCommandInput {
  const onDemand = props.BillingMode === 'PAY_PER_REQUEST';
  const throughput = (value: unknown) =>
    onDemand
      ? undefined
      : ((value as CreateTableCommandInput['ProvisionedThroughput']) ?? {
          ReadCapacityUnits: 5,
          WriteCapacityUnits: 5,
        });
  const indexes = (value: unknown, withThroughput: boolean) =>
    (value as Props[] | undefined)?.map((index) => ({
      IndexName: String(index.IndexName),
      KeySchema: index.KeySchema as never,
      Projection: index.Projection as never,
      ...(withThroughput ? { ProvisionedThroughput: throughput(index.ProvisionedThroughput) } : {}),
    }));
  const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
  return {
    TableName: name,
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    BillingMode: onDemand ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    ProvisionedThroughput: throughput(props.ProvisionedThroughput),
    GlobalSecondaryIndexes: indexes(
      props.GlobalSecondaryIndexes,
      true,
    ) as CreateTableCommandInput['GlobalSecondaryIndexes'],
    LocalSecondaryIndexes: indexes(
      props.LocalSecondaryIndexes,
      false,
    ) as CreateTableCommandInput['LocalSecondaryIndexes'],
    StreamSpecification: stream?.StreamViewType
      ? { StreamEnabled: true, StreamViewType: stream.StreamViewType as never }
      : undefined,
  };
}

async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not become ACTIVE within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
