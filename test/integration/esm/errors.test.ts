/**
 * Event-source mapping engine against the real kinesis-mock: error handling (retries,
 * ReportBatchItemFailures, BisectBatchOnFunctionError, MaximumRetryAttempts,
 * MaximumRecordAgeInSeconds, on-failure destination).
 */
import { OffsetClock } from '../../../local/esm/clock';
import type { KinesisStreamEvent } from '../../../local/esm/types';
import {
  createStream,
  delay,
  fail,
  mappingFor,
  ns,
  numbered,
  ok,
  putRecords,
  TestFunction,
  useEngineHarness,
  waitFor,
} from './esm-fixture';

jest.setTimeout(40_000);

const seqs = (event: KinesisStreamEvent): string[] => event.Records.map((r) => r.kinesis.sequenceNumber);

describe('event-source mapping engine: errors', () => {
  const { fixture, harness } = useEngineHarness();

  test('a function error retries the whole batch until it succeeds, then moves on', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(4));
    const fn = new TestFunction((_e, call) => (call <= 2 ? fail('Error', `attempt ${call}`) : ok()));
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream)]);
    await engine.idle();
    await putRecords(kinesis, stream.streamArn, numbered(1, 5));
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [5]]);
    expect(harness().failures()).toHaveLength(0);
  });

  test('MaximumRetryAttempts: a timed-out batch is retried N times, then its on-failure record is written in Lambda format and processing moves on', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const puts = await putRecords(kinesis, stream.streamArn, numbered(3));
    const fn = new TestFunction((event) =>
      ns(event).includes(1) ? fail('Sandbox.Timedout', 'Task timed out after 3.00 seconds') : ok(),
    );
    const engine = harness().engine(fn);
    const mapping = mappingFor(stream, { maximumRetryAttempts: 2, onFailureDestination: 'arn:aws:s3:::failed-bucket' });

    // Act
    await engine.start([mapping]);
    await engine.idle();
    await putRecords(kinesis, stream.streamArn, numbered(2, 4));
    await engine.idle();

    // Assess: 1 invocation + 2 retries, then the next records
    expect(fn.batches()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
      [4, 5],
    ]);
    const failures = harness().failures();
    expect(failures).toHaveLength(1);
    const { key, record } = failures[0]!;
    expect(key).toMatch(
      new RegExp(
        `^aws/lambda/${mapping.id}/shardId-000000000000/\\d{4}/\\d{2}/\\d{2}/\\d{4}-\\d{2}-\\d{2}T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}$`,
      ),
    );
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-function',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: puts[0]!.sequenceNumber,
        endSequenceNumber: puts[2]!.sequenceNumber,
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 3,
        streamArn: stream.streamArn,
      },
      payload: expect.any(String),
    });
    expect(JSON.parse(record.payload)).toEqual(fn.invocations[0]!.event);
  });

  test('ReportBatchItemFailures: the batch is checkpointed before the lowest failed sequence number and retried from there', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const puts = await putRecords(kinesis, stream.streamArn, numbered(6));
    const fn = new TestFunction((_e, call) =>
      call === 1
        ? ok({
            batchItemFailures: [
              { itemIdentifier: puts[4]!.sequenceNumber },
              { itemIdentifier: puts[2]!.sequenceNumber },
            ],
          })
        : ok({ batchItemFailures: [] }),
    );
    const engine = harness().engine(fn);
    const mapping = mappingFor(stream, { reportBatchItemFailures: true });

    // Act
    await engine.start([mapping]);
    await engine.idle();
    await engine.stop();

    // Assess
    expect(fn.batches()).toEqual([
      [1, 2, 3, 4, 5, 6],
      [3, 4, 5, 6],
    ]);
    expect(await harness().checkpoints.load(mapping.id, 'shardId-000000000000')).toBe(puts[5]!.sequenceNumber);
  });

  test.each([
    ['an empty batchItemFailures list', { batchItemFailures: [] }],
    ['a null batchItemFailures list', { batchItemFailures: null }],
    ['an empty response', {}],
    ['a null response', null],
  ])('ReportBatchItemFailures: %s is a complete success', async (_name, response) => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(3));
    const fn = new TestFunction(() => ok(response));
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { reportBatchItemFailures: true })]);
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([[1, 2, 3]]);
  });

  test.each([
    ['a missing itemIdentifier', () => ({ batchItemFailures: [{ id: 'x' }] })],
    ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['a null itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: null }] })],
    ['an itemIdentifier not in the batch', () => ({ batchItemFailures: [{ itemIdentifier: '123' }] })],
    ['a response that is not an object', () => 'oops'],
    ['batchItemFailures that is not a list', () => ({ batchItemFailures: 'all' })],
  ])('ReportBatchItemFailures: %s fails the whole batch', async (_name, response) => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(3));
    const fn = new TestFunction((_e, call) => (call === 1 ? ok(response()) : ok()));
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { reportBatchItemFailures: true })]);
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  test('a batch item failures response is ignored when ReportBatchItemFailures is off', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const puts = await putRecords(kinesis, stream.streamArn, numbered(3));
    const fn = new TestFunction(() => ok({ batchItemFailures: [{ itemIdentifier: puts[1]!.sequenceNumber }] }));
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { reportBatchItemFailures: false })]);
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([[1, 2, 3]]);
  });

  test('BisectBatchOnFunctionError isolates a poison record; splits do not consume retries', async () => {
    // Prepare: record 5 always fails; MaximumRetryAttempts 0
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const puts = await putRecords(kinesis, stream.streamArn, numbered(8));
    const fn = new TestFunction((event) => (ns(event).includes(5) ? fail() : ok()));
    const engine = harness().engine(fn);

    // Act
    await engine.start([
      mappingFor(stream, {
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 0,
        onFailureDestination: 'arn:aws:s3:::failed',
      }),
    ]);
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4], [5, 6, 7, 8], [5, 6], [5], [6], [7, 8]]);
    const failures = harness().failures();
    expect(failures).toHaveLength(1);
    expect(failures[0]!.record.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: puts[4]!.sequenceNumber,
      endSequenceNumber: puts[4]!.sequenceNumber,
      batchSize: 1,
    });
    expect(failures[0]!.record.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
    });
  });

  test('BisectBatchOnFunctionError with ReportBatchItemFailures splits at the reported record and retries only the rest', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const puts = await putRecords(kinesis, stream.streamArn, numbered(6));
    const fn = new TestFunction((_e, call) =>
      call === 1 ? ok({ batchItemFailures: [{ itemIdentifier: puts[3]!.sequenceNumber }] }) : ok(),
    );
    const engine = harness().engine(fn);

    // Act
    await engine.start([
      mappingFor(stream, { bisectBatchOnFunctionError: true, reportBatchItemFailures: true, maximumRetryAttempts: 0 }),
    ]);
    await engine.idle();

    // Assess: retried although MaximumRetryAttempts is 0: the split consumed no retry
    expect(fn.batches()).toEqual([
      [1, 2, 3, 4, 5, 6],
      [4, 5, 6],
    ]);
  });

  test('MaximumRecordAgeInSeconds: expired records go to the destination without invoking the function', async () => {
    // Prepare: records older than the maximum age (60 s, the AWS minimum) when the mapping reads them
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const old = await putRecords(kinesis, stream.streamArn, numbered(2, 1));
    const fn = new TestFunction();
    const mapping = mappingFor(stream, { maximumRecordAgeInSeconds: 60, onFailureDestination: 'arn:aws:s3:::failed' });
    const later = new OffsetClock();
    later.advance(61_000);

    // Act 1: the engine reads them 61 s later
    const first = harness().engine(fn, { clock: later });
    await first.start([mapping]);
    await first.idle();
    await first.stop();

    // Act 2: records put now are young on the real clock (same checkpoints)
    const engine = harness().engine(fn);
    await engine.start([mapping]);
    await putRecords(kinesis, stream.streamArn, numbered(2, 3));
    await engine.idle();

    // Assess: the old ones never reached the function; the young ones did
    expect(fn.batches()).toEqual([[3, 4]]);
    const failures = harness().failures();
    expect(failures).toHaveLength(1);
    expect(failures[0]!.record.requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
    });
    expect(failures[0]!.record.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: old[0]!.sequenceNumber,
      endSequenceNumber: old[1]!.sequenceNumber,
      batchSize: 2,
    });
  });

  test('MaximumRecordAgeInSeconds stops the retries of a failing batch once its records expire', async () => {
    // Prepare: infinite retries (200 ms apart), records expire after 60 s
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(2));
    const fn = new TestFunction(() => fail());
    const clock = new OffsetClock();
    const engine = harness().engine(fn, { retryBackoff: { initialMs: 200, maxMs: 200 }, clock });
    await engine.start([
      mappingFor(stream, {
        maximumRecordAgeInSeconds: 60,
        maximumRetryAttempts: -1,
        onFailureDestination: 'arn:aws:s3:::failed',
      }),
    ]);
    await waitFor(() => fn.invocations.length >= 2 || undefined, 10_000);
    expect(harness().failures()).toHaveLength(0);

    // Act: a minute passes
    clock.advance(60_000);
    await waitFor(() => (harness().failures().length > 0 ? true : undefined), 10_000);
    await engine.idle();
    const invocationsAtExpiry = fn.invocations.length;
    clock.advance(60_000);
    await engine.idle();

    // Assess: retried until the records expired, then no more invocations
    expect(invocationsAtExpiry).toBeGreaterThan(1);
    expect(fn.invocations.length).toBe(invocationsAtExpiry);
    const failures = harness().failures();
    expect(failures.map((f) => f.record.requestContext.condition)).toEqual(['RecordAgeExceeded']);
    expect(failures[0]!.record.requestContext.approximateInvokeCount).toBe(invocationsAtExpiry);
  });

  test('without an on-failure destination, exhausted records are discarded and processing moves on', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    await putRecords(kinesis, stream.streamArn, numbered(2));
    const fn = new TestFunction((event) => (ns(event).includes(1) ? fail() : ok()));
    const engine = harness().engine(fn);

    // Act
    await engine.start([mappingFor(stream, { maximumRetryAttempts: 1 })]);
    await engine.idle();
    await putRecords(kinesis, stream.streamArn, numbered(1, 3));
    await engine.idle();

    // Assess
    expect(fn.batches()).toEqual([[1, 2], [1, 2], [3]]);
    expect(harness().failures()).toHaveLength(0);
  });

  test('stop lets the in-flight batch finish and checkpoints it', async () => {
    // Prepare
    const { kinesis } = fixture();
    const stream = await createStream(kinesis);
    const puts = await putRecords(kinesis, stream.streamArn, numbered(3));
    let finished = false;
    const fn = new TestFunction(async () => {
      await delay(1000);
      finished = true;
      return ok();
    });
    const engine = harness().engine(fn);
    const mapping = mappingFor(stream);
    await engine.start([mapping]);
    await waitFor(() => (fn.invocations.length > 0 ? true : undefined), 10_000);

    // Act
    await engine.stop({ drainTimeoutMs: 5000 });

    // Assess
    expect(finished).toBe(true);
    expect(await harness().checkpoints.load(mapping.id, 'shardId-000000000000')).toBe(puts[2]!.sequenceNumber);
    expect(seqs(fn.invocations[0]!.event)).toEqual(puts.map((p) => p.sequenceNumber));
  });
});
