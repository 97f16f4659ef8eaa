import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { tracer } from './powertools';

/**
 * SDK clients, created once per execution environment on first use and traced in
 * X-Ray. Endpoints come from the SDK's standard configuration (AWS_REGION,
 * AWS_ENDPOINT_URL_<SERVICE>), so the same code talks to AWS or to the local emulators.
 */
let dynamoDb: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let kinesis: KinesisClient | undefined;

export function dynamoDbClient(): DynamoDBClient {
  dynamoDb ??= tracer.captureAWSv3Client(new DynamoDBClient({}));
  return dynamoDb;
}

export function documentClient(): DynamoDBDocumentClient {
  documents ??= DynamoDBDocumentClient.from(dynamoDbClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documents;
}

export function kinesisClient(): KinesisClient {
  // PutRecords over HTTP/1.1: HTTP/2 buys nothing for unary calls, and kinesis-mock
  // (the local emulator) only speaks HTTP/1.1 on its plain port.
  kinesis ??= tracer.captureAWSv3Client(new KinesisClient({ requestHandler: new NodeHttpHandler() }));
  return kinesis;
}
