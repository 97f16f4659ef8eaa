import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, ListStreamConsumersCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { LOCAL_REGION } from '../../../local/emulators';
import { type ProvisionResult, provision } from '../../../local/provision';
import { LocalTemplate } from '../../../local/template';
import { useEmulators } from '../../helpers/emulators';
import { useSynthesizedApp } from '../../helpers/local-synth';

/** Provisioning the REAL synthesized stack on the emulators creates exactly what the template declares. */
describe('provision', () => {
  const synth = useSynthesizedApp();
  const fixture = useEmulators();
  const failedRecordsDir = mkdtempSync(join(tmpdir(), 'failed-records-'));
  let template: LocalTemplate;
  let first: ProvisionResult;

  beforeAll(async () => {
    template = LocalTemplate.fromFile(synth().templatePath, {
      stackName: synth().stackName,
      region: LOCAL_REGION,
      accountId: '000000000000',
    });
    first = await provision({ template, kinesis: fixture().kinesis, dynamodb: fixture().dynamodb, failedRecordsDir });
  }, 120_000);
  afterAll(() => rmSync(failedRecordsDir, { recursive: true, force: true }));

  const declared = (type: string) => template.resourcesOfType(type);

  it('creates the declared stream, on-demand, KMS-encrypted with the template key, with its retention', async () => {
    // Prepare
    const [stream] = declared('AWS::Kinesis::Stream');
    if (!stream) throw new Error('the template declares no stream');
    const props = template.resolve(stream.resource.Properties) as {
      RetentionPeriodHours: number;
      StreamEncryption: { KeyId: string };
      StreamModeDetails: { StreamMode: string };
    };

    // Act
    const { StreamNames } = await fixture().kinesis.send(new ListStreamsCommand({}));
    const { StreamDescriptionSummary: summary } = await fixture().kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: template.physicalName(stream.logicalId) }),
    );

    // Assess
    expect(declared('AWS::Kinesis::Stream')).toHaveLength(1);
    expect(StreamNames).toEqual([template.physicalName(stream.logicalId)]);
    expect(summary?.StreamModeDetails?.StreamMode).toBe(props.StreamModeDetails.StreamMode);
    expect(summary?.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    expect(summary?.EncryptionType).toBe('KMS');
    expect(summary?.KeyId).toBe(props.StreamEncryption.KeyId);
    expect(summary?.RetentionPeriodHours).toBe(props.RetentionPeriodHours);
  });

  it('registers exactly the declared enhanced fan-out consumers, ACTIVE, and makes their ARNs resolvable', async () => {
    const streamArn = first.streams[0]!.arn;
    const { Consumers } = await fixture().kinesis.send(new ListStreamConsumersCommand({ StreamARN: streamArn }));

    const declaredNames = declared('AWS::Kinesis::StreamConsumer')
      .map(({ resource }) => String(resource.Properties?.ConsumerName))
      .sort();
    expect(declaredNames).toHaveLength(6);
    expect((Consumers ?? []).map((c) => c.ConsumerName).sort()).toEqual(declaredNames);
    expect((Consumers ?? []).every((c) => c.ConsumerStatus === 'ACTIVE')).toBe(true);
    for (const consumer of first.consumers) {
      expect(template.resolve({ 'Fn::GetAtt': [consumer.logicalId, 'ConsumerARN'] })).toBe(consumer.arn);
      expect(consumer.arn).toContain(`${streamArn}/consumer/${consumer.name}:`);
    }
  });

  it('creates exactly the declared tables with their key schemas, attribute definitions and TTL', async () => {
    const { TableNames } = await fixture().dynamodb.send(new ListTablesCommand({}));
    const tables = declared('AWS::DynamoDB::Table');

    expect(TableNames?.slice().sort()).toEqual(tables.map(({ logicalId }) => template.physicalName(logicalId)).sort());
    for (const { logicalId, resource } of tables) {
      const props = resource.Properties as {
        KeySchema: unknown[];
        AttributeDefinitions: unknown[];
        TimeToLiveSpecification?: { AttributeName: string };
      };
      const name = template.physicalName(logicalId);
      const { Table } = await fixture().dynamodb.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.KeySchema).toEqual(props.KeySchema);
      expect(Table?.AttributeDefinitions).toEqual(expect.arrayContaining(props.AttributeDefinitions));
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      const { TimeToLiveDescription } = await fixture().dynamodb.send(
        new DescribeTimeToLiveCommand({ TableName: name }),
      );
      if (props.TimeToLiveSpecification) {
        expect(TimeToLiveDescription).toMatchObject({
          TimeToLiveStatus: 'ENABLED',
          AttributeName: props.TimeToLiveSpecification.AttributeName,
        });
      } else {
        expect(TimeToLiveDescription?.TimeToLiveStatus).not.toBe('ENABLED');
      }
    }
  });

  it('creates a local folder for the on-failure bucket', () => {
    expect(first.buckets.map((b) => b.logicalId)).toEqual(declared('AWS::S3::Bucket').map((b) => b.logicalId));
    for (const bucket of first.buckets) expect(existsSync(join(failedRecordsDir, bucket.name))).toBe(true);
  });

  it('is idempotent: a second run finds everything, creates nothing and keeps the consumer ARNs', async () => {
    const second = await provision({
      template,
      kinesis: fixture().kinesis,
      dynamodb: fixture().dynamodb,
      failedRecordsDir,
    });

    expect([...second.streams, ...second.consumers, ...second.tables].some((r) => r.created)).toBe(false);
    expect(second.consumers.map((c) => c.arn)).toEqual(first.consumers.map((c) => c.arn));
    const { Consumers } = await fixture().kinesis.send(
      new ListStreamConsumersCommand({ StreamARN: first.streams[0]!.arn }),
    );
    expect(Consumers).toHaveLength(first.consumers.length);
  });
});
