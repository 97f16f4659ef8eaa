import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { EventSourceMappingEngine, InvalidMappingError } from '../../../../local/esm/engine';
import { FilterPatternError } from '../../../../local/esm/filter';
import {
  type CheckpointStore,
  type FailedRecordSink,
  type FunctionInvoker,
  KINESIS_MAPPING_DEFAULTS,
  type MappingConfig,
} from '../../../../local/esm/types';

const unusedKinesis = {
  send: () => Promise.reject(new Error('Kinesis must not be called')),
} as unknown as KinesisClient;
const engine = (): EventSourceMappingEngine =>
  new EventSourceMappingEngine({
    kinesis: unusedKinesis,
    invoker: {} as FunctionInvoker,
    checkpoints: {} as CheckpointStore,
    failedRecords: {} as FailedRecordSink,
    region: 'us-east-1',
    accountId: '000000000000',
  });
const mapping = (overrides: Partial<MappingConfig>): MappingConfig => ({
  id: 'Map',
  functionName: 'fn',
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  consumerArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1',
  ...KINESIS_MAPPING_DEFAULTS,
  startingPosition: 'TRIM_HORIZON',
  ...overrides,
});

describe('EventSourceMappingEngine configuration', () => {
  test.each([
    [{ batchSize: 0 }],
    [{ batchSize: 10_001 }],
    [{ parallelizationFactor: 11 }],
    [{ maximumBatchingWindowInSeconds: 301 }],
    [{ maximumRetryAttempts: -2 }],
    [{ startingPosition: 'AT_TIMESTAMP' as const }],
  ])('rejects %j before reading anything', async (overrides) => {
    await expect(engine().start([mapping(overrides)])).rejects.toThrow(InvalidMappingError);
  });

  test('rejects a filter pattern Kinesis mappings do not support', async () => {
    await expect(engine().start([mapping({ filterPatterns: ['{"partitionKey":["a"]}'] })])).rejects.toThrow(
      FilterPatternError,
    );
  });

  test('a disabled mapping makes no Kinesis call', async () => {
    const e = engine();
    await expect(e.start([mapping({ enabled: false })])).resolves.toBeUndefined();
    await expect(e.idle({ timeoutMs: 100 })).resolves.toBeUndefined();
    await e.stop();
  });
});
