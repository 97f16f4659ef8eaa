import { compareSequenceNumbers } from '../sequence-numbers';

/**
 * The stream's tip as the mappings see it: per shard, the sequence numbers of the latest records
 * read by ANY mapping (the fastest reader is, with enhanced fan-out, within milliseconds of the
 * stream), so a mapping's distance to the tip is the number of those after its checkpoint; and
 * how many new records arrived per second. Memory is bounded: beyond `keep` records per shard,
 * the distance is reported as at least `keep`.
 */
export class StreamTip {
  private readonly shards = new Map<string, string[]>();
  /** Arrivals per whole second (Date.now()/1000), for the recent ones only. */
  private readonly perSecond = new Map<number, number>();

  public constructor(
    private readonly keep = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A mapping read these records (in shard order); only those past the known tip count. */
  public observe(shardKey: string, sequenceNumbers: readonly string[]): void {
    const seen = this.shards.get(shardKey) ?? [];
    this.shards.set(shardKey, seen);
    let added = 0;
    for (const seq of sequenceNumbers) {
      const tip = seen[seen.length - 1];
      if (tip !== undefined && compareSequenceNumbers(seq, tip) <= 0) continue;
      seen.push(seq);
      added++;
    }
    if (seen.length > this.keep * 2) seen.splice(0, seen.length - this.keep);
    if (added === 0) return;
    const second = Math.floor(this.now() / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + added);
    for (const s of this.perSecond.keys()) if (s < second - 60) this.perSecond.delete(s);
  }

  /** Records known past `checkpoint` in the shard (all known ones without a checkpoint). */
  public recordsAfter(shardKey: string, checkpoint: string | undefined): number {
    const seen = this.shards.get(shardKey) ?? [];
    if (checkpoint === undefined) return seen.length;
    // first index whose sequence number is greater than the checkpoint (binary search)
    let lo = 0;
    let hi = seen.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      // lo <= mid < hi <= seen.length: in range
      if (compareSequenceNumbers(seen[mid]!, checkpoint) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return seen.length - lo;
  }

  /** New records per second over the last `windowSeconds` whole seconds (the current one left out). */
  public eventsPerSecond(windowSeconds = 5): number {
    const current = Math.floor(this.now() / 1000);
    let total = 0;
    for (let s = current - windowSeconds; s < current; s++) total += this.perSecond.get(s) ?? 0;
    return total / windowSeconds;
  }
}
