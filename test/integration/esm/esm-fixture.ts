import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { EventSourceMappingEngine, type EventSourceMappingEngineOptions } from '../../../local/esm/engine';
import { FileCheckpointStore, FolderFailedRecordSink } from '../../../local/esm/stores';
import {
  type FunctionInvoker,
  type InvocationResult,
  KINESIS_MAPPING_DEFAULTS,
  type KinesisStreamEvent,
  type MappingConfig,
  type OnFailureRecord,
} from '../../../local/esm/types';
import { type EmulatorFixture, useEmulators } from '../../helpers/emulators';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

let streamCounter = 0;

export interface TestStream {
  readonly streamName: string;
  readonly streamArn: string;
  readonly consumerArn: string;
}

/** A fresh stream with an ACTIVE enhanced fan-out consumer. */
export async function createStream(kinesis: KinesisClient, shardCount = 1): Promise<TestStream> {
  const streamName = `esm-${process.pid}-${++streamCounter}-${Date.now() % 100000}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  const streamArn = await waitFor(async () => {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? d.StreamDescriptionSummary.StreamARN : undefined;
  });
  const { Consumer } = await kinesis.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: `${streamName}-consumer` }),
  );
  const consumerArn = Consumer?.ConsumerARN as string;
  await waitFor(async () => {
    const d = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    return d.ConsumerDescription?.ConsumerStatus === 'ACTIVE' ? true : undefined;
  });
  return { streamName, streamArn: streamArn as string, consumerArn };
}

export interface PutResult {
  readonly sequenceNumber: string;
  readonly shardId: string;
}

/** Puts records with PutRecords (kinesis-mock is slow with PutRecord), in order. Data: JSON of `data` unless a Buffer. */
export async function putRecords(
  kinesis: KinesisClient,
  streamArn: string,
  records: ReadonlyArray<{ partitionKey: string; data: unknown }>,
): Promise<PutResult[]> {
  const results: PutResult[] = [];
  for (let i = 0; i < records.length; i += 100) {
    const chunk = records.slice(i, i + 100);
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamARN: streamArn,
        Records: chunk.map((r) => ({
          PartitionKey: r.partitionKey,
          Data: Buffer.isBuffer(r.data) ? r.data : Buffer.from(JSON.stringify(r.data)),
        })),
      }),
    );
    if (out.FailedRecordCount) throw new Error(`PutRecords failed for ${out.FailedRecordCount} records`);
    results.push(
      ...(out.Records ?? []).map((r) => ({ sequenceNumber: r.SequenceNumber as string, shardId: r.ShardId as string })),
    );
  }
  return results;
}

/** `count` records `{ n }` with n = from..from+count-1, partition key from `key(n)`. */
export function numbered(
  count: number,
  from = 1,
  key: (n: number) => string = () => 'pk',
): Array<{ partitionKey: string; data: { n: number } }> {
  return Array.from({ length: count }, (_, i) => ({ partitionKey: key(from + i), data: { n: from + i } }));
}

export interface Invocation {
  readonly event: KinesisStreamEvent;
  readonly at: number;
}

type Behaviour = (event: KinesisStreamEvent, call: number) => InvocationResult | Promise<InvocationResult>;

/** In-process test function: records every invocation and answers with `behaviour`. */
export class TestFunction implements FunctionInvoker {
  public readonly invocations: Invocation[] = [];
  public inFlight = 0;
  public maxInFlight = 0;

  public constructor(private readonly behaviour: Behaviour = () => ({ kind: 'success', payload: null })) {}

  public async invoke(_functionName: string, event: KinesisStreamEvent): Promise<InvocationResult> {
    this.invocations.push({ event: JSON.parse(JSON.stringify(event)) as KinesisStreamEvent, at: Date.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.behaviour(event, this.invocations.length);
    } finally {
      this.inFlight--;
    }
  }

  /** The `n` of every record of every invocation, per invocation. */
  public batches(): number[][] {
    return this.invocations.map((i) => ns(i.event));
  }

  public delivered(): number[] {
    return this.batches().flat();
  }
}

export function ns(event: KinesisStreamEvent): number[] {
  return event.Records.map((r) => dataOf(r.kinesis.data).n as number);
}

export function dataOf(base64: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as Record<string, unknown>;
}

export const fail = (errorType = 'Error', errorMessage = 'boom'): InvocationResult => ({
  kind: 'error',
  errorType,
  errorMessage,
});
export const ok = (payload: unknown = null): InvocationResult => ({ kind: 'success', payload });

export function mappingFor(stream: TestStream, overrides: Partial<MappingConfig> = {}): MappingConfig {
  return {
    id: `Mapping${++streamCounter}`,
    functionName: 'test-function',
    streamArn: stream.streamArn,
    consumerArn: stream.consumerArn,
    ...KINESIS_MAPPING_DEFAULTS,
    startingPosition: 'TRIM_HORIZON',
    ...overrides,
  };
}

/** An engine with file checkpoints and a folder destination in a fresh temp dir. */
export class EngineHarness {
  public readonly dir = mkdtempSync(join(tmpdir(), 'esm-test-'));
  public readonly checkpoints = new FileCheckpointStore(join(this.dir, 'checkpoints'));
  public readonly failedRecords = new FolderFailedRecordSink(join(this.dir, 'failed'));
  public readonly logs: string[] = [];
  private engines: EventSourceMappingEngine[] = [];

  public constructor(private readonly kinesis: KinesisClient) {}

  public engine(
    invoker: FunctionInvoker,
    options: Partial<EventSourceMappingEngineOptions> = {},
  ): EventSourceMappingEngine {
    const engine = new EventSourceMappingEngine({
      kinesis: this.kinesis,
      invoker,
      checkpoints: this.checkpoints,
      failedRecords: this.failedRecords,
      region: REGION,
      accountId: ACCOUNT,
      log: (line) => this.logs.push(line),
      retryBackoff: { initialMs: 20, maxMs: 100 },
      ...options,
    });
    this.engines.push(engine);
    return engine;
  }

  /** On-failure objects: key (relative to the folder) and parsed content, oldest first. */
  public failures(): Array<{ key: string; record: OnFailureRecord }> {
    const root = join(this.dir, 'failed');
    const files: string[] = [];
    const walk = (d: string): void => {
      let entries: string[] = [];
      try {
        entries = readdirSync(d);
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(root);
    return files
      .map((f) => ({ key: relative(root, f), record: JSON.parse(readFileSync(f, 'utf8')) as OnFailureRecord }))
      .sort((a, b) => a.record.timestamp.localeCompare(b.record.timestamp));
  }

  public async dispose(): Promise<void> {
    await Promise.all(this.engines.map((e) => e.stop({ drainTimeoutMs: 2000 })));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Per test file: real emulators (once) and a fresh EngineHarness per test, disposed after it.
 *   const { fixture, harness } = useEngineHarness();
 */
export function useEngineHarness(): { fixture: () => EmulatorFixture; harness: () => EngineHarness } {
  const fixture = useEmulators();
  let current: EngineHarness | undefined;
  beforeEach(() => {
    current = new EngineHarness(fixture().kinesis);
  });
  afterEach(async () => {
    await current?.dispose();
  });
  return {
    fixture,
    harness: () => {
      if (!current) throw new Error('useEngineHarness(): harness used outside a test');
      return current;
    },
  };
}
