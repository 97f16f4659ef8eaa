import { type CheckpointStore, SHARD_END } from './types';

/**
 * Checkpoint of one shard. Records are tracked in shard order as they are read and marked done
 * when their batch succeeded, was filtered out, or was sent to the on-failure destination; the
 * checkpoint is the last record of the contiguous done prefix (with ParallelizationFactor > 1,
 * batches of different partition keys finish out of order). Saves are coalesced and serialized.
 */
export class ShardCheckpointer {
  private pending: string[] = [];
  /** Arrival time (ms) of each pending record, same index as `pending`. */
  private arrivals: number[] = [];
  private head = 0;
  private readonly doneSet = new Set<string>();
  private current: string | undefined;
  private saved: string | undefined;
  private saving: Promise<void> = Promise.resolve();
  private frozen = false;

  public constructor(
    private readonly store: CheckpointStore,
    private readonly mappingId: string,
    private readonly shardId: string,
    initial: string | undefined,
    private readonly onWriteError: (error: Error) => void = () => undefined,
  ) {
    this.current = initial;
    this.saved = initial;
  }

  /** Number of tracked records not done yet. */
  public get outstanding(): number {
    return this.pending.length - this.head;
  }

  public get checkpoint(): string | undefined {
    return this.current;
  }

  /** Arrival time (ms) of the oldest record tracked and not done yet; undefined when none. */
  public get oldestOutstandingArrival(): number | undefined {
    return this.head < this.pending.length ? this.arrivals[this.head] : undefined;
  }

  public track(sequenceNumber: string, arrivalMs = Date.now()): void {
    this.pending.push(sequenceNumber);
    this.arrivals.push(arrivalMs);
  }

  public done(sequenceNumbers: readonly string[]): void {
    for (const seq of sequenceNumbers) this.doneSet.add(seq);
    let advanced = false;
    for (let seq = this.pending[this.head]; seq !== undefined && this.doneSet.has(seq); seq = this.pending[this.head]) {
      this.head++;
      this.doneSet.delete(seq);
      this.current = seq;
      advanced = true;
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.arrivals = this.arrivals.slice(this.head);
      this.head = 0;
    }
    if (advanced) void this.persist().catch((error: Error) => this.onWriteError(error));
  }

  public markShardEnd(): Promise<void> {
    this.current = SHARD_END;
    return this.persist();
  }

  /** Writes the latest checkpoint (if changed) and waits for every write so far. */
  public persist(): Promise<void> {
    this.saving = this.saving
      .catch(() => undefined)
      .then(async () => {
        const value = this.current;
        if (this.frozen || value === undefined || value === this.saved) return;
        await this.store.save(this.mappingId, this.shardId, value);
        this.saved = value;
      });
    return this.saving;
  }

  /** Final flush; later done() calls no longer write (used when a stop gave up on in-flight batches). */
  public async close(): Promise<void> {
    await this.persist();
    this.frozen = true;
  }
}
