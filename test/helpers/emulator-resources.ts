import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { type EventEnvelope, parseEnvelope } from '../../lambdas/contract/envelope';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type RunningEmulators } from '../../local/emulators';

/** One key attribute of a table: its name (always type S) and its role. */
export type KeyAttribute = [name: string, keyType: 'HASH' | 'RANGE'];

/** Creates an on-demand table whose key attributes are all strings, e.g. `[['orderId', 'HASH'], ['entry', 'RANGE']]`. */
export async function createTable(dynamodb: DynamoDBClient, name: string, keys: KeyAttribute[]): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
      AttributeDefinitions: keys.map(([AttributeName]) => ({ AttributeName, AttributeType: 'S' })),
    }),
  );
}

/** Creates an on-demand stream and waits (up to ~5 s) until it is ACTIVE. */
export async function createActiveStream(kinesis: KinesisClient, name: string): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  for (let i = 0; i < 50; i++) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`stream ${name} not ACTIVE`);
}

/** A record read back from the stream, its data parsed as an event envelope. */
export interface StreamEnvelope {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly envelope: EventEnvelope;
}

/**
 * Every record on the stream (those whose envelope passes `filter`, when given), read from
 * the start (TRIM_HORIZON) of every shard: shard by shard in ListShards order, in sequence
 * order within a shard. Throws when a record is not a valid envelope.
 */
export async function readEnvelopes(
  kinesis: KinesisClient,
  streamName: string,
  filter: (envelope: EventEnvelope) => boolean = () => true,
): Promise<StreamEnvelope[]> {
  const found: StreamEnvelope[] = [];
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  for (const shard of shards) {
    const shardId = shard.ShardId!;
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        const envelope = parseEnvelope(Buffer.from(record.Data!).toString('utf8'));
        if (filter(envelope)) found.push({ shardId, partitionKey: record.PartitionKey!, envelope });
      }
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return found;
}

/** `readEnvelopes` filter: the records of one order. */
export const ofOrder =
  (orderId: string) =>
  (envelope: EventEnvelope): boolean =>
    envelope.orderId === orderId;

/**
 * Points SDK clients created with default config (as the handlers create them) at the
 * emulators: region, dummy credentials and AWS_ENDPOINT_URL_KINESIS / _DYNAMODB, plus
 * `environment` (table names, STREAM_NAME, ...). Returns a function that puts
 * process.env back as it was.
 */
export function pointSdkAtEmulators(emulators: RunningEmulators, environment: Record<string, string> = {}): () => void {
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_KINESIS: emulators.kinesisEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoDbEndpoint,
    ...environment,
  });
  return () => {
    process.env = saved;
  };
}
