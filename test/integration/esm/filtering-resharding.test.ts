/**
 * Event-source mapping engine against the real kinesis-mock: FilterCriteria and resharding.
 */
import { DescribeStreamSummaryCommand, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { SHARD_END } from '../../../local/esm/types';
import {
  createStream,
  dataOf,
  mappingFor,
  numbered,
  putRecords,
  TestFunction,
  useEngineHarness,
  waitFor,
} from './esm-fixture';

jest.setTimeout(40_000);

describe('event-source mapping engine: filtering and resharding', () => {
  const { fixture, harness } = useEngineHarness();

  test('FilterCriteria: only matching records are delivered; the others are skipped and checkpointed', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const puts = await putRecords(kinesis, stream.streamArn, [
      { partitionKey: 'a', data: { type: 'ORDER_CREATED', total: 50 } },
      { partitionKey: 'a', data: { type: 'ORDER_CREATED', total: 500 } },
      { partitionKey: 'a', data: { type: 'PAYMENT_PROCESSED', total: 50 } },
      { partitionKey: 'a', data: Buffer.from('not json') },
      { partitionKey: 'a', data: { type: 'ORDER_CANCELLED' } },
      { partitionKey: 'a', data: { type: 'SHIPPING_FAILED' } },
    ]);
    const mapping = mappingFor(stream, {
      filterPatterns: [
        JSON.stringify({ data: { type: ['ORDER_CREATED'], total: [{ numeric: ['<', 100] }] } }),
        JSON.stringify({ data: { type: [{ prefix: 'ORDER_CANC' }] } }),
      ],
    });
    const fn = new TestFunction();
    const engine = harness().engine(fn);

    // Act
    await engine.start([mapping]);
    await engine.idle();
    await engine.stop();

    // Assess
    const delivered = fn.invocations.flatMap((i) => i.event.Records.map((r) => dataOf(r.kinesis.data)));
    expect(delivered).toEqual([{ type: 'ORDER_CREATED', total: 50 }, { type: 'ORDER_CANCELLED' }]);
    // the checkpoint moved past the skipped trailing record
    expect(await harness().checkpoints.load(mapping.id, 'shardId-000000000000')).toBe(puts[5]!.sequenceNumber);
  });

  test('after resharding, child shards are read once the parent shard is fully processed', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const fn = new TestFunction();
    const engine = harness().engine(fn, { shardDiscoveryIntervalMs: 500 });
    const mapping = mappingFor(stream);
    await putRecords(
      kinesis,
      stream.streamArn,
      numbered(5, 1, (n) => `key-${n}`),
    );
    await engine.start([mapping]);
    await engine.idle();

    // Act
    await kinesis.send(
      new UpdateShardCountCommand({ StreamARN: stream.streamArn, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }),
    );
    await waitFor(async () => {
      const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: stream.streamArn }));
      return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    });
    const children = await putRecords(
      kinesis,
      stream.streamArn,
      numbered(20, 6, (n) => `key-${n}`),
    );
    await waitFor(() => (fn.delivered().length >= 25 ? true : undefined), 20_000);
    await engine.idle();

    // Assess
    expect(new Set(children.map((c) => c.shardId))).toEqual(new Set(['shardId-000000000001', 'shardId-000000000002']));
    expect(fn.delivered().sort((a, b) => a - b)).toEqual(numbered(25).map((r) => r.data.n));
    expect(await harness().checkpoints.load(mapping.id, 'shardId-000000000000')).toBe(SHARD_END);
  });
});
