import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { tracer } from './powertools';

// SDK clients, created once per execution environment on first use and traced in
// X-Ray (the SES client, used by the email service only, is in adapters/ses-email-sender.ts).
// Endpoints come from the SDK's standard configuration (AWS_REGION, AWS_ENDPOINT_URL_<SERVICE>),
// so the same code talks to AWS or to the local emulators.

/**
 * Bounded network waits: the SDK's default handler waits forever for a connection or a
 * response, so one stuck socket would run a function into its timeout (a 500 at the API
 * instead of a clean 503, a whole failed batch instead of one retried call).
 */
export const boundedRequestHandler = (requestTimeoutMs = 5_000): NodeHttpHandler =>
  new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: requestTimeoutMs });

let dynamoDb: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;
let kinesis: KinesisClient | undefined;

export function dynamoDbClient(): DynamoDBClient {
  dynamoDb ??= tracer.captureAWSv3Client(new DynamoDBClient({ requestHandler: boundedRequestHandler() }));
  return dynamoDb;
}

export function documentClient(): DynamoDBDocumentClient {
  documents ??= documentClientOf(dynamoDbClient());
  return documents;
}

/** The document client the functions use, over `client` (tests pass the emulator's). */
export function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The client the event publisher puts with: ONE attempt per call (`maxAttempts: 1`), because
 * the publisher is the only retry layer and bounds its retries by a deadline (SDK retries
 * inside publisher retries multiplied into 18 calls and ~7 s of back-off).
 */
export function kinesisClient(): KinesisClient {
  kinesis ??= tracer.captureAWSv3Client(createKinesisClient());
  return kinesis;
}

/** A new client configured as the function's (tests build their own with another endpoint). */
export function createKinesisClient(endpoint?: string): KinesisClient {
  // PutRecords over HTTP/1.1: HTTP/2 buys nothing for unary calls, and kinesis-mock
  // (the local emulator) only speaks HTTP/1.1 on its plain port.
  return new KinesisClient({ requestHandler: boundedRequestHandler(), maxAttempts: 1, endpoint });
}
