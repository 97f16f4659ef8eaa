import { type Clock, systemClock } from './clock';
import { EVENT_ENVELOPE_BYTES, MAX_INVOCATION_PAYLOAD_BYTES, type ShardRecord } from './records';
import { Signal } from './signal';

export interface BatchingPolicy {
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  /** @default MAX_INVOCATION_PAYLOAD_BYTES (6 MB) */
  readonly maxPayloadBytes?: number;
}

/**
 * Buffers the records of one (virtual) shard and hands out batches. A batch is cut when
 * BatchSize records are buffered, when the next record would push the invocation payload over
 * 6 MB, or when MaximumBatchingWindowInSeconds has passed since the first buffered record
 * (window 0: as soon as records are available) - services-kinesis-parameters / with-kinesis
 * "Lambda reads records ... until it has gathered a full batch, the batching window expires, or
 * the batch reaches the payload limit of 6 MB".
 */
export class BatchAssembler {
  private buffer: ShardRecord[] = [];
  private bufferedBytes = 0;
  private firstBufferedAt = 0;
  private closed = false;
  private readonly changed = new Signal();
  private readonly maxPayloadBytes: number;

  public constructor(
    private readonly policy: BatchingPolicy,
    private readonly clock: Clock = systemClock,
  ) {
    this.maxPayloadBytes = policy.maxPayloadBytes ?? MAX_INVOCATION_PAYLOAD_BYTES;
  }

  public get size(): number {
    return this.buffer.length;
  }

  public push(record: ShardRecord): void {
    if (this.closed) return;
    if (this.buffer.length === 0) this.firstBufferedAt = this.clock.now();
    this.buffer.push(record);
    this.bufferedBytes += record.payloadBytes;
    this.changed.notify();
  }

  /** Stops handing out batches; pending next() calls resolve to undefined. Buffered records are dropped. */
  public close(): void {
    this.closed = true;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.changed.notify();
  }

  /** The next batch, or undefined once closed. */
  public async next(): Promise<ShardRecord[] | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      if (this.buffer.length === 0) {
        await this.changed.wait();
        continue;
      }
      const full =
        this.buffer.length >= this.policy.batchSize ||
        EVENT_ENVELOPE_BYTES + this.bufferedBytes >= this.maxPayloadBytes;
      const windowEndsAt = this.firstBufferedAt + this.policy.maximumBatchingWindowInSeconds * 1000;
      if (full || this.clock.now() >= windowEndsAt) return this.take();
      await this.changed.wait(windowEndsAt - this.clock.now(), this.clock);
    }
  }

  private take(): ShardRecord[] {
    let bytes = EVENT_ENVELOPE_BYTES;
    let count = 0;
    for (const record of this.buffer) {
      if (count >= this.policy.batchSize) break;
      const next = record.payloadBytes;
      if (count > 0 && bytes + next > this.maxPayloadBytes) break;
      bytes += next;
      count++;
    }
    const batch = this.buffer.splice(0, count);
    this.bufferedBytes -= bytes - EVENT_ENVELOPE_BYTES;
    if (this.buffer.length > 0) this.firstBufferedAt = this.clock.now();
    return batch;
  }
}
