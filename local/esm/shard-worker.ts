import { createHash } from 'node:crypto';
import type { _Record, KinesisClient, StartingPosition } from '@aws-sdk/client-kinesis';
import { BatchAssembler } from './batch-assembler';
import { BatchRunner, type RetryBackoff } from './batch-runner';
import { ShardCheckpointer } from './checkpointer';
import { type Clock, sleep } from './clock';
import type { RecordFilter } from './filter';
import { type EventContext, type ShardRecord, toShardRecord } from './records';
import { ShardReader } from './shard-reader';
import { Signal } from './signal';
import type { StreamTip } from './stream-tip';
import {
  type CheckpointStore,
  type FailedRecordSink,
  type FunctionInvoker,
  type MappingConfig,
  type RecordOutcomeReport,
  SHARD_END,
  type ShardSnapshot,
} from './types';

export interface ShardWorkerDeps {
  readonly kinesis: KinesisClient;
  readonly mapping: MappingConfig;
  readonly shardId: string;
  readonly startingPosition: StartingPosition;
  readonly checkpoint: string | undefined;
  readonly checkpoints: CheckpointStore;
  readonly invoker: FunctionInvoker;
  readonly failedRecords: FailedRecordSink;
  readonly filter: RecordFilter;
  readonly eventContext: EventContext;
  readonly functionArn: string;
  readonly backoff: RetryBackoff;
  /** Time for batching windows, record age and retry back-off. */
  readonly clock: Clock;
  readonly renewSubscriptionAfterMs: number;
  readonly maxBufferedRecords: number;
  readonly onFinished: () => void;
  readonly log: (line: string) => void;
  /** The stream's tip, shared by every mapping: told of every record read. @default not tracked */
  readonly tip?: StreamTip;
  /** What became of records (EventSourceMappingEngineOptions.onRecordOutcome). @default none */
  readonly onOutcome?: (report: RecordOutcomeReport) => void;
}

/**
 * One shard of one mapping: a ShardReader feeding ParallelizationFactor lanes (virtual shards).
 * A record goes to the lane of its partition key, so records of one key stay in order; each lane
 * has one batch in flight at a time (with-kinesis "Polling and batching streams": "Lambda ...
 * processes one batch of records at a time from each shard" / ParallelizationFactor "process
 * multiple batches from each shard concurrently ... while maintaining in-order processing at the
 * partition-key level").
 */
export class ShardWorker {
  private readonly reader: ShardReader;
  private readonly checkpointer: ShardCheckpointer;
  private readonly lanes: Lane[];
  private readonly drained = new Signal();
  private stopping = false;
  private closedSeenAt: number | undefined;
  private readerEnded = false;
  private finished = false;
  private failedInvocations = 0;
  private failedBatches = 0;

  public constructor(private readonly deps: ShardWorkerDeps) {
    this.checkpointer = new ShardCheckpointer(
      deps.checkpoints,
      deps.mapping.id,
      deps.shardId,
      deps.checkpoint,
      (error) => deps.log(`[esm ${deps.mapping.id}] ${deps.shardId}: checkpoint write failed: ${error.message}`),
    );
    const runner = new BatchRunner({
      mapping: deps.mapping,
      shardId: deps.shardId,
      functionArn: deps.functionArn,
      invoker: deps.invoker,
      failedRecords: deps.failedRecords,
      backoff: deps.backoff,
      clock: deps.clock,
      onDone: (records) => this.done(records),
      onOutcome: (records, outcome, detail, traceId) => {
        if (outcome === 'failed') this.failedInvocations++;
        if (outcome === 'sent-to-on-failure' || outcome === 'discarded') this.failedBatches++;
        this.report(records, outcome, detail, traceId);
      },
      isStopping: () => this.stopping,
      log: deps.log,
    });
    this.lanes = Array.from(
      { length: Math.max(1, deps.mapping.parallelizationFactor) },
      () => new Lane(new BatchAssembler(deps.mapping, deps.clock), runner, this.drained),
    );
    this.reader = new ShardReader({
      kinesis: deps.kinesis,
      consumerArn: deps.mapping.consumerArn,
      shardId: deps.shardId,
      label: `[esm ${deps.mapping.id}] ${deps.shardId}`,
      startingPosition: deps.startingPosition,
      onRecords: (records) => this.accept(records),
      onShardEnd: () => {
        this.readerEnded = true;
        this.maybeFinish();
      },
      renewAfterMs: deps.renewSubscriptionAfterMs,
      retryDelayMs: 1000,
      log: deps.log,
    });
  }

  /** Records read and waiting in a lane for their batch. */
  public get bufferedRecords(): number {
    return this.lanes.reduce((n, l) => n + l.assembler.size, 0);
  }

  /** Where this shard stands now (the local console's lag table). */
  public snapshot(): ShardSnapshot {
    const checkpoint = this.finished ? SHARD_END : this.checkpointer.checkpoint;
    return {
      shardId: this.deps.shardId,
      checkpoint,
      outstanding: this.checkpointer.outstanding,
      oldestOutstandingArrival: this.checkpointer.oldestOutstandingArrival,
      recordsBehindTip:
        checkpoint === SHARD_END
          ? 0
          : (this.deps.tip?.recordsAfter(this.tipKey, checkpoint) ?? this.checkpointer.outstanding),
      millisBehindLatest: this.reader.millisBehindLatest,
      failedInvocations: this.failedInvocations,
      failedBatches: this.failedBatches,
      finished: this.finished,
    };
  }

  public get isFinished(): boolean {
    return this.finished;
  }

  /**
   * ListShards reports the shard closed (it has an EndingSequenceNumber). kinesis-mock sends no
   * ChildShards event at the end of a closed shard, so the shard's end is also detected here: once
   * the reader has caught up after the closure was seen, nothing more can come.
   */
  public markClosed(): void {
    if (this.closedSeenAt !== undefined || this.finished) return;
    const seenAt = Date.now();
    this.closedSeenAt = seenAt;
    void (async () => {
      while (!this.stopping && !this.readerEnded) {
        if (this.reader.caughtUpAt > seenAt + 250) {
          await this.reader.stop();
          this.readerEnded = true;
          this.maybeFinish();
          return;
        }
        await sleep(200);
      }
    })();
  }

  /** The checkpoint says SHARD_END: nothing to read. */
  public markFinished(): void {
    this.finished = true;
  }

  public async start(): Promise<void> {
    for (const lane of this.lanes) lane.start();
    await this.reader.start();
  }

  /** Every record read so far is done, and an event was received after `since`. */
  public isIdleSince(since: number): boolean {
    if (this.finished) return true;
    return this.reader.lastEventAt >= since && this.checkpointer.outstanding === 0;
  }

  /** Stops reading, lets in-flight batches finish within the bound, writes the checkpoint. */
  public async stop(drainTimeoutMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.reader.stop();
    for (const lane of this.lanes) lane.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), drainTimeoutMs)),
    );
    const result = await Promise.race([Promise.all(this.lanes.map((l) => l.finished)), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout')
      this.deps.log(
        `[esm ${this.deps.mapping.id}] ${this.deps.shardId}: in-flight batch still running after ${drainTimeoutMs} ms, not waiting`,
      );
    await this.checkpointer.close();
  }

  private get tipKey(): string {
    return `${this.deps.mapping.streamArn}/${this.deps.shardId}`;
  }

  private report(
    records: readonly ShardRecord[],
    outcome: RecordOutcomeReport['outcome'],
    detail?: string,
    traceId?: string,
  ): void {
    if (!this.deps.onOutcome || records.length === 0) return;
    const { mapping, shardId } = this.deps;
    this.deps.onOutcome({
      mappingId: mapping.id,
      functionName: mapping.functionName,
      shardId,
      outcome,
      detail,
      ...(traceId ? { traceId } : {}),
      at: Date.now(),
      records,
    });
  }

  private async accept(raw: _Record[]): Promise<void> {
    this.deps.tip?.observe(
      this.tipKey,
      raw.map((r) => r.SequenceNumber ?? '0'),
    );
    for (const r of raw) {
      const record = toShardRecord(this.deps.shardId, r, this.deps.eventContext);
      this.checkpointer.track(record.sequenceNumber, record.approximateArrivalTimestamp.getTime());
      if (this.deps.filter.active && !this.deps.filter.matches(record)) {
        // "Lambda ... discards events that don't match": filtered records are checkpointed, never delivered
        this.report([record], 'skipped', 'filtered out by the mapping');
        this.done([record]);
        continue;
      }
      const lane = this.lanes[laneOf(record.partitionKey, this.lanes.length)];
      if (lane === undefined) {
        throw new Error(
          `[esm ${this.deps.mapping.id}] ${this.deps.shardId}: no lane for partition key ${record.partitionKey}`,
        );
      }
      lane.assembler.push(record);
    }
    // backpressure: do not read further while too many records wait for a batch
    while (!this.stopping && this.bufferedRecords > this.deps.maxBufferedRecords) {
      await this.drained.wait(1000);
    }
  }

  private done(records: readonly ShardRecord[]): void {
    this.checkpointer.done(records.map((r) => r.sequenceNumber));
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || !this.readerEnded || this.checkpointer.outstanding > 0) return;
    this.finished = true;
    for (const lane of this.lanes) lane.close();
    void this.checkpointer
      .markShardEnd()
      .catch((error) =>
        this.deps.log(
          `[esm ${this.deps.mapping.id}] ${this.deps.shardId}: checkpoint failed: ${(error as Error).message}`,
        ),
      )
      .finally(() => this.deps.onFinished());
  }
}

class Lane {
  public finished: Promise<void> = Promise.resolve();

  public constructor(
    public readonly assembler: BatchAssembler,
    private readonly runner: BatchRunner,
    private readonly drained: Signal,
  ) {}

  public start(): void {
    this.finished = (async () => {
      for (;;) {
        const batch = await this.assembler.next();
        this.drained.notify();
        if (!batch) return;
        await this.runner.run(batch);
      }
    })();
  }

  public close(): void {
    this.assembler.close();
  }
}

/** Lane of a partition key: stable hash, so one key always goes to the same lane. */
function laneOf(partitionKey: string, lanes: number): number {
  if (lanes === 1) return 0;
  return createHash('md5').update(partitionKey).digest().readUInt32BE(0) % lanes;
}
