import {
  type _Record,
  type KinesisClient,
  type StartingPosition,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { compareSequenceNumbers } from '../sequence-numbers';
import { sleep } from './clock';
import { Signal } from './signal';

export interface ShardReaderOptions {
  readonly kinesis: KinesisClient;
  readonly consumerArn: string;
  readonly shardId: string;
  /** Prefix of log lines, e.g. `[esm Mapping] shardId-000000000000`. */
  readonly label: string;
  readonly startingPosition: StartingPosition;
  /** Receives each event's records in shard order; the next event is read only after it resolves (backpressure). */
  readonly onRecords: (records: _Record[]) => Promise<void>;
  /** The shard is closed (resharding) and every record was handed to onRecords. */
  readonly onShardEnd: () => void;
  /** Renew the subscription after this long (AWS ends one after ~5 minutes). */
  readonly renewAfterMs: number;
  readonly retryDelayMs: number;
  readonly log: (line: string) => void;
}

/**
 * Reads one shard through an enhanced fan-out consumer with SubscribeToShard. A subscription
 * lasts up to 5 minutes (Kinesis SubscribeToShard); when it ends (or after renewAfterMs) the
 * reader subscribes again with AFTER_SEQUENCE_NUMBER = the last ContinuationSequenceNumber.
 * Records at or before the last delivered sequence number are dropped, so a renewal never
 * delivers a record twice. An event with ChildShards marks the end of a closed shard.
 */
export class ShardReader {
  private stopped = false;
  private abort: AbortController | undefined;
  private lastSequenceNumber: string | undefined;
  private position: StartingPosition;
  private loop: Promise<void> | undefined;
  private readonly subscribed = new Signal();
  private subscribedOnce = false;
  private inUseRetries = 0;
  /** Date.now() of the last event received (0: none yet). */
  public lastEventAt = 0;
  /** Date.now() of the last event that left the reader caught up with the shard (MillisBehindLatest 0). */
  public caughtUpAt = 0;
  /** MillisBehindLatest of the last event. */
  public millisBehindLatest = 0;
  public ended = false;

  public constructor(private readonly options: ShardReaderOptions) {
    this.position = options.startingPosition;
  }

  /** Starts reading; resolves once the first event arrived (the position is fixed), or after waitMs. */
  public async start(waitMs = 10_000): Promise<void> {
    this.loop = this.run();
    if (!this.subscribedOnce) await this.subscribed.wait(waitMs);
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.subscribed.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { kinesis, consumerArn, shardId } = this.options;
    while (!this.stopped && !this.ended) {
      const abort = new AbortController();
      this.abort = abort;
      const renewal = setTimeout(() => abort.abort(), this.options.renewAfterMs);
      try {
        const response = await kinesis.send(
          new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: this.position }),
          { abortSignal: abort.signal },
        );
        for await (const event of response.EventStream ?? []) {
          if (this.stopped) break;
          this.markSubscribed();
          this.inUseRetries = 0;
          const shardEvent = event.SubscribeToShardEvent;
          if (!shardEvent) {
            const name =
              Object.keys(event).find((k) => (event as unknown as Record<string, unknown>)[k] !== undefined) ??
              'unknown';
            throw new Error(`subscription error event ${name}`);
          }
          const receivedAt = Date.now();
          this.lastEventAt = receivedAt;
          const fresh = (shardEvent.Records ?? []).filter(
            (r) =>
              r.SequenceNumber !== undefined &&
              (this.lastSequenceNumber === undefined ||
                compareSequenceNumbers(r.SequenceNumber, this.lastSequenceNumber) > 0),
          );
          const newest = fresh.at(-1);
          if (newest !== undefined) {
            await this.options.onRecords(fresh);
            this.lastSequenceNumber = newest.SequenceNumber;
          }
          this.millisBehindLatest = shardEvent.MillisBehindLatest ?? 0;
          if (!shardEvent.MillisBehindLatest) this.caughtUpAt = receivedAt;
          const continuation = shardEvent.ContinuationSequenceNumber ?? this.lastSequenceNumber;
          if (continuation) this.position = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation };
          // "ChildShards: ... returned only at the end of the current shard" (SubscribeToShardEvent)
          if ((shardEvent.ChildShards?.length ?? 0) > 0) {
            this.ended = true;
            break;
          }
        }
        if (!this.stopped && !this.ended) this.logRenewal();
      } catch (error) {
        if (this.stopped) break;
        if (abort.signal.aborted) {
          this.logRenewal();
        } else if ((error as Error).name === 'ResourceInUseException') {
          // the previous subscription of this consumer and shard is not released yet (a renewal or a
          // restart right after a stop): "another active subscription exists" - wait and try again
          if (++this.inUseRetries % 20 === 0)
            this.options.log(`${this.options.label}: another subscription of this consumer is still active, waiting`);
          await sleep(500);
        } else {
          this.options.log(
            `${this.options.label}: subscription failed (${(error as Error).name}: ${(error as Error).message}), resubscribing`,
          );
          await sleep(this.options.retryDelayMs);
        }
      } finally {
        clearTimeout(renewal);
        abort.abort();
      }
    }
    if (this.ended && !this.stopped) this.options.onShardEnd();
  }

  private logRenewal(): void {
    const from = this.position.SequenceNumber ? `after ${this.position.SequenceNumber}` : this.position.Type;
    this.options.log(`${this.options.label}: subscription ended, renewing from ${from}`);
  }

  private markSubscribed(): void {
    if (this.subscribedOnce) return;
    this.subscribedOnce = true;
    this.subscribed.notify();
  }
}
