import { type KinesisClient, ListShardsCommand, type Shard, type StartingPosition } from '@aws-sdk/client-kinesis';
import type { RetryBackoff } from './batch-runner';
import { type Clock, sleep, systemClock } from './clock';
import { RecordFilter } from './filter';
import type { EventContext } from './records';
import { ShardWorker } from './shard-worker';
import { staleCheckpoint } from './stale-checkpoint';
import { StreamTip } from './stream-tip';
import {
  type CheckpointStore,
  type FailedRecordSink,
  type FunctionInvoker,
  type MappingConfig,
  type MappingSnapshot,
  type RecordOutcomeReport,
  SHARD_END,
} from './types';

export interface EventSourceMappingEngineOptions {
  /** Must use an HTTP/1.1 handler for kinesis-mock (local/clients.ts localKinesisClient). */
  readonly kinesis: KinesisClient;
  readonly invoker: FunctionInvoker;
  readonly checkpoints: CheckpointStore;
  readonly failedRecords: FailedRecordSink;
  readonly region: string;
  readonly accountId: string;
  /** `invokeIdentityArn` of every record. @default arn:aws:iam::<accountId>:role/orderstream-local */
  readonly invokeIdentityArn?: string;
  readonly log?: (line: string) => void;
  /** Delay before retry n is min(maxMs, initialMs * 2^(n-1)). @default { initialMs: 200, maxMs: 5000 } */
  readonly retryBackoff?: RetryBackoff;
  /** Client-side renewal of a subscription (AWS ends it after 5 minutes anyway). @default 300_000 */
  readonly renewSubscriptionAfterMs?: number;
  /** How often ListShards looks for new and closed shards (a finished shard also triggers a look). @default 10_000 */
  readonly shardDiscoveryIntervalMs?: number;
  /** Per shard: reading pauses while more records than this wait for a batch. @default 10_000 */
  readonly maxBufferedRecordsPerShard?: number;
  /**
   * Time for batching windows, record age and retry back-off (tests pass an OffsetClock and move
   * it forward instead of sleeping). @default systemClock
   */
  readonly clock?: Clock;
  /** Told what became of every record read (delivered ok, failed, filtered, sent to the destination). @default none */
  readonly onRecordOutcome?: (report: RecordOutcomeReport) => void;
}

/**
 * Emulates Lambda's Kinesis event-source mappings through enhanced fan-out consumers.
 *
 * Per mapping and shard: a ShardReader (SubscribeToShard on the consumer, renewed from the
 * continuation sequence number) feeds ParallelizationFactor lanes (records routed by partition
 * key); each lane has a BatchAssembler (BatchSize / window / 6 MB) and runs one batch at a time
 * through the BatchRunner (invoke, retries, ReportBatchItemFailures, bisection, record age,
 * on-failure destination); a ShardCheckpointer persists the last record of the contiguous
 * finished prefix after every batch. Delivery is at-least-once, as in AWS: a record is
 * redelivered only if its batch failed, or if the engine stopped (or crashed) before the
 * record's checkpoint was written.
 */
export class EventSourceMappingEngine {
  private workers: MappingWorker[] = [];
  private readonly log: (line: string) => void;
  private readonly tip = new StreamTip();

  public constructor(private readonly options: EventSourceMappingEngineOptions) {
    this.log = options.log ?? (() => undefined);
  }

  /** Starts every enabled mapping; resolves once each shard has its first subscription. */
  public async start(mappings: readonly MappingConfig[]): Promise<void> {
    const started: MappingWorker[] = [];
    for (const mapping of mappings) {
      if (!mapping.enabled) {
        this.log(`[esm ${mapping.id}] disabled (Enabled=false): not reading`);
        continue;
      }
      validateMapping(mapping);
      started.push(new MappingWorker(mapping, this.options, this.log, this.tip));
    }
    this.workers.push(...started);
    await Promise.all(started.map((w) => w.start()));
  }

  /**
   * Stops reading, lets in-flight batches finish (bounded by drainTimeoutMs, default 10 s) and
   * writes the checkpoints. Records read but not yet in a batch are read again on the next start.
   */
  public async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.stop(options.drainTimeoutMs ?? 10_000)));
  }

  /** Each running mapping's shards: checkpoint, outstanding records, distance to the tip, failures. */
  public snapshot(): MappingSnapshot[] {
    return this.workers.map((w) => w.snapshot());
  }

  /** New records per second on the stream(s), as the mappings read them, over the last few seconds. */
  public eventsPerSecond(): number {
    return this.tip.eventsPerSecond();
  }

  /** Records read and waiting for their batch (a batching window not over yet), over every mapping and shard. */
  public bufferedRecords(): number {
    return this.workers.reduce((n, w) => n + w.bufferedRecords(), 0);
  }

  /**
   * Resolves once every record that was in the stream when idle() was called has been processed
   * (delivered, filtered out, or sent to the on-failure destination) and checkpointed in memory.
   * Rejects after timeoutMs (default 30 s), e.g. while a batch is retried forever.
   */
  public async idle(options: { timeoutMs?: number } = {}): Promise<void> {
    // an event received this long after the call was read from the shard after the call
    const since = Date.now() + 250;
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (!this.workers.every((w) => w.isIdleSince(since))) {
      if (Date.now() > deadline) throw new Error('event-source mappings not idle within the timeout');
      await sleep(50);
    }
  }
}

class MappingWorker {
  private readonly shards = new Map<string, ShardWorker>();
  private readonly filter: RecordFilter;
  private readonly eventContext: EventContext;
  private timer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> = Promise.resolve();
  private stopped = false;

  public constructor(
    private readonly mapping: MappingConfig,
    private readonly options: EventSourceMappingEngineOptions,
    private readonly log: (line: string) => void,
    private readonly tip: StreamTip,
  ) {
    this.filter = new RecordFilter(mapping.filterPatterns);
    this.eventContext = {
      region: options.region,
      streamArn: mapping.streamArn,
      invokeIdentityArn: options.invokeIdentityArn ?? `arn:aws:iam::${options.accountId}:role/orderstream-local`,
    };
  }

  public async start(): Promise<void> {
    await this.discover();
    const interval = this.options.shardDiscoveryIntervalMs ?? 10_000;
    this.timer = setInterval(
      () =>
        void this.discover().catch((e) =>
          this.log(`[esm ${this.mapping.id}] ListShards failed: ${(e as Error).message}`),
        ),
      interval,
    );
    this.timer.unref();
  }

  public bufferedRecords(): number {
    return [...this.shards.values()].reduce((n, s) => n + s.bufferedRecords, 0);
  }

  public snapshot(): MappingSnapshot {
    return {
      mappingId: this.mapping.id,
      functionName: this.mapping.functionName,
      shards: [...this.shards.values()].map((s) => s.snapshot()),
    };
  }

  public isIdleSince(since: number): boolean {
    return [...this.shards.values()].every((s) => s.isIdleSince(since));
  }

  public async stop(drainTimeoutMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.discovering.catch(() => undefined);
    await Promise.all([...this.shards.values()].map((s) => s.stop(drainTimeoutMs)));
  }

  /** ListShards, then start a worker for each shard whose parents are done (children after parents). */
  private discover(): Promise<void> {
    this.discovering = this.discovering.catch(() => undefined).then(() => this.discoverOnce());
    return this.discovering;
  }

  private async discoverOnce(): Promise<void> {
    if (this.stopped) return;
    const listed = await this.listShards();
    const listedIds = new Set(listed.map((s) => s.ShardId));
    // a pass starts every shard whose parents are done, in parallel; a parent found finished
    // through its SHARD_END checkpoint makes its children eligible in the next pass
    for (;;) {
      if (this.stopped) return;
      const eligible = listed.filter((shard) => {
        if (this.shards.has(shard.ShardId as string)) return false;
        const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
          (p): p is string => !!p && listedIds.has(p),
        );
        return parents.every((p) => this.shards.get(p)?.isFinished);
      });
      if (eligible.length === 0) break;
      const startedFrom = await Promise.all(
        eligible.map((shard) =>
          this.startShard(
            shard.ShardId as string,
            [shard.ParentShardId, shard.AdjacentParentShardId].some((p) => !!p && listedIds.has(p)),
          ),
        ),
      );
      this.logStarts(eligible.map((shard, i) => [shard.ShardId as string, startedFrom[i]]));
    }
    for (const shard of listed) {
      if (shard.SequenceNumberRange?.EndingSequenceNumber) this.shards.get(shard.ShardId as string)?.markClosed();
    }
  }

  /** One line per mapping and starting position, not one per shard. */
  private logStarts(starts: ReadonlyArray<readonly [string, string | undefined]>): void {
    const byPosition = new Map<string, string[]>();
    for (const [shardId, from] of starts) {
      if (from !== undefined) byPosition.set(from, [...(byPosition.get(from) ?? []), shardId]);
    }
    for (const [from, shardIds] of byPosition) {
      this.log(`[esm ${this.mapping.id}] reading ${shardIds.length} shard(s) from ${from}: ${shardIds.join(', ')}`);
    }
  }

  /** Starts a shard's worker; returns where it reads from (undefined for a shard already finished). */
  private async startShard(shardId: string, afterParent: boolean): Promise<string | undefined> {
    const { checkpoint, fromShardStart } = await this.validCheckpoint(shardId);
    const worker = new ShardWorker({
      kinesis: this.options.kinesis,
      mapping: this.mapping,
      shardId,
      startingPosition: this.startingPosition(checkpoint, afterParent || fromShardStart),
      checkpoint,
      checkpoints: this.options.checkpoints,
      invoker: this.options.invoker,
      failedRecords: this.options.failedRecords,
      filter: this.filter,
      eventContext: this.eventContext,
      functionArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${this.mapping.functionName}`,
      backoff: this.options.retryBackoff ?? { initialMs: 200, maxMs: 5000 },
      clock: this.options.clock ?? systemClock,
      renewSubscriptionAfterMs: this.options.renewSubscriptionAfterMs ?? 300_000,
      maxBufferedRecords: this.options.maxBufferedRecordsPerShard ?? 10_000,
      tip: this.tip,
      onOutcome: this.options.onRecordOutcome,
      onFinished: () => {
        this.log(`[esm ${this.mapping.id}] ${shardId}: closed shard fully processed`);
        void this.discover().catch(() => undefined);
      },
      log: this.log,
    });
    this.shards.set(shardId, worker);
    if (checkpoint === SHARD_END) {
      worker.markFinished();
      return undefined;
    }
    await worker.start();
    return checkpoint ? 'their checkpoints' : this.mapping.startingPosition;
  }

  /**
   * The saved checkpoint, unless the stream lost its record (a crash before kinesis-mock persisted
   * it): then the last record before it, saved in its place, so nothing put later is skipped.
   */
  private async validCheckpoint(shardId: string): Promise<{ checkpoint?: string; fromShardStart: boolean }> {
    const saved = await this.options.checkpoints.load(this.mapping.id, shardId);
    if (saved === undefined || saved === SHARD_END) return { checkpoint: saved, fromShardStart: false };
    const stale = await staleCheckpoint({
      kinesis: this.options.kinesis,
      streamArn: this.mapping.streamArn,
      shardId,
      checkpoint: saved,
    });
    if (!stale) return { checkpoint: saved, fromShardStart: false };
    this.log(
      `[esm ${this.mapping.id}] ${shardId}: checkpoint ${saved} is past the stream's tip ` +
        `${stale.tip ?? '(empty shard)'} (its record was lost in a crash): resuming ` +
        `${stale.tip ? `after ${stale.tip}` : 'from the shard start'}`,
    );
    // no record before it: forget it and read the shard from its start, whatever the StartingPosition
    await this.options.checkpoints.save(this.mapping.id, shardId, stale.tip);
    return { checkpoint: stale.tip, fromShardStart: stale.tip === undefined };
  }

  /** StartingPosition applies only when there is no checkpoint; children of a read parent start at their beginning. */
  private startingPosition(checkpoint: string | undefined, afterParent: boolean): StartingPosition {
    if (checkpoint) return { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint };
    if (afterParent) return { Type: 'TRIM_HORIZON' };
    if (this.mapping.startingPosition === 'AT_TIMESTAMP') {
      return { Type: 'AT_TIMESTAMP', Timestamp: this.mapping.startingPositionTimestamp ?? new Date() };
    }
    return { Type: this.mapping.startingPosition };
  }

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.kinesis.send(
        nextToken
          ? new ListShardsCommand({ NextToken: nextToken })
          : new ListShardsCommand({ StreamARN: this.mapping.streamArn }),
      );
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }
}

export class InvalidMappingError extends Error {
  public readonly name = 'InvalidMappingError';
}

/** Ranges of CreateEventSourceMapping for Kinesis (MaximumRecordAgeInSeconds: AWS wants -1 or 60..604800; any value >= 0 is accepted locally). */
function validateMapping(m: MappingConfig): void {
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new InvalidMappingError(`event-source mapping ${m.id}: ${what}`);
  };
  const int = (v: number): boolean => Number.isInteger(v);
  check(int(m.batchSize) && m.batchSize >= 1 && m.batchSize <= 10_000, `BatchSize ${m.batchSize} not in 1..10000`);
  check(
    m.maximumBatchingWindowInSeconds >= 0 && m.maximumBatchingWindowInSeconds <= 300,
    `MaximumBatchingWindowInSeconds ${m.maximumBatchingWindowInSeconds} not in 0..300`,
  );
  check(
    int(m.parallelizationFactor) && m.parallelizationFactor >= 1 && m.parallelizationFactor <= 10,
    `ParallelizationFactor ${m.parallelizationFactor} not in 1..10`,
  );
  check(
    int(m.maximumRetryAttempts) && m.maximumRetryAttempts >= -1 && m.maximumRetryAttempts <= 10_000,
    `MaximumRetryAttempts ${m.maximumRetryAttempts} not in -1..10000`,
  );
  check(
    m.maximumRecordAgeInSeconds === -1 || m.maximumRecordAgeInSeconds >= 0,
    `MaximumRecordAgeInSeconds ${m.maximumRecordAgeInSeconds} must be -1 or >= 0`,
  );
  check(
    m.startingPosition !== 'AT_TIMESTAMP' || m.startingPositionTimestamp instanceof Date,
    'AT_TIMESTAMP needs startingPositionTimestamp',
  );
}
