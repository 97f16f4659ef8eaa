import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { localDynamoDbClient, localKinesisClient } from '../../local/clients';
import { type RunningEmulators, startEmulators } from '../../local/emulators';

export interface EmulatorFixture {
  readonly emulators: RunningEmulators;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
}

/**
 * Starts fresh in-memory emulators on free ports for one test file:
 *   const fixture = useEmulators();   // at describe level
 *   ... fixture().kinesis ...         // inside tests
 */
export function useEmulators(): () => EmulatorFixture {
  let fixture: EmulatorFixture | undefined;
  beforeAll(async () => {
    const emulators = await startEmulators();
    fixture = {
      emulators,
      kinesis: localKinesisClient(emulators.kinesisEndpoint),
      dynamodb: localDynamoDbClient(emulators.dynamoDbEndpoint),
    };
  }, 90_000);
  afterAll(async () => {
    fixture?.kinesis.destroy();
    fixture?.dynamodb.destroy();
    await fixture?.emulators.stop();
  }, 30_000);
  return () => {
    if (!fixture) throw new Error('emulators not started: call useEmulators() at describe level');
    return fixture;
  };
}
