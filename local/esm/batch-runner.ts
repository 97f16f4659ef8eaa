import { randomUUID } from 'node:crypto';
import { type Clock, sleep } from './clock';
import { type ShardRecord, toEvent } from './records';
import { interpretResult } from './response';
import type {
  FailedRecordSink,
  FunctionInvoker,
  InvocationResult,
  MappingConfig,
  OnFailureCondition,
  OnFailureRecord,
  RecordOutcomeReport,
} from './types';

export interface RetryBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface BatchRunnerDeps {
  readonly mapping: MappingConfig;
  readonly shardId: string;
  readonly functionArn: string;
  readonly invoker: FunctionInvoker;
  readonly failedRecords: FailedRecordSink;
  readonly backoff: RetryBackoff;
  /** Time for record age and retry back-off. */
  readonly clock: Clock;
  /** Records are finished with (succeeded, or sent to the destination / discarded): checkpointable. */
  readonly onDone: (records: readonly ShardRecord[]) => void;
  /** What became of records after each invocation or discard (the console's timeline). @default none */
  readonly onOutcome?: (
    records: readonly ShardRecord[],
    outcome: Exclude<RecordOutcomeReport['outcome'], 'skipped'>,
    detail?: string,
    traceId?: string,
  ) => void;
  /** True once the engine stops: no new invocation or retry starts. */
  readonly isStopping: () => boolean;
  readonly log: (line: string) => void;
}

/** A (sub)batch still to be delivered. */
interface PendingBatch {
  records: ShardRecord[];
  /** Retries consumed so far (bisection does not consume any). */
  retries: number;
  /** Invocations that contained these records. */
  invocations: number;
  lastResult?: InvocationResult;
}

/**
 * Delivers one batch with Lambda's stream error handling (kinesis-on-failure-destination,
 * services-kinesis-batchfailurereporting, services-kinesis-parameters):
 * - a function error retries the whole batch, up to MaximumRetryAttempts (-1: until the records expire);
 * - ReportBatchItemFailures: the records before the LOWEST reported sequence number are done and
 *   only the rest is retried; a malformed response fails the whole batch;
 * - BisectBatchOnFunctionError: a failing batch is split in two halves, first half first;
 *   "Splitting batches doesn't consume the retry quota". With ReportBatchItemFailures too, "the
 *   batch is bisected at the returned sequence number and Lambda retries only the remaining records";
 * - MaximumRecordAgeInSeconds: before every invocation, records older than that go to the
 *   destination (condition RecordAgeExceeded) without invoking;
 * - retries exhausted: the on-failure record for the failing (sub)batch is written and the
 *   records are done ("Lambda discards the records and continues processing batches").
 * Resolves when every record is done, or early (records not done) when the engine stops.
 */
export class BatchRunner {
  public constructor(private readonly deps: BatchRunnerDeps) {}

  public async run(records: ShardRecord[]): Promise<void> {
    const { mapping } = this.deps;
    const queue: PendingBatch[] = [{ records, retries: 0, invocations: 0 }];
    // `continue` re-reads the head of the queue: the same batch (retry) or the next one
    for (let batch = queue[0]; batch !== undefined; batch = queue[0]) {
      if (this.deps.isStopping()) return;

      if (mapping.maximumRecordAgeInSeconds >= 0) {
        const oldestAllowed = this.deps.clock.now() - mapping.maximumRecordAgeInSeconds * 1000;
        // records of a shard arrive in order: the expired ones are a prefix
        const expired = batch.records.filter((r) => r.approximateArrivalTimestamp.getTime() < oldestAllowed);
        if (expired.length > 0) {
          await this.discard(expired, batch, 'RecordAgeExceeded');
          batch.records = batch.records.filter((r) => !expired.includes(r));
          if (batch.records.length === 0) queue.shift();
          continue;
        }
      }

      const result = await this.invoke(batch.records);
      batch.invocations++;
      batch.lastResult = result;
      const outcome = interpretResult(
        result,
        batch.records.map((r) => r.sequenceNumber),
        mapping.reportBatchItemFailures,
      );

      this.reportOutcome(batch.records, outcome, result.traceId);
      if (outcome.kind === 'success') {
        this.deps.onDone(batch.records);
        queue.shift();
        continue;
      }

      if (outcome.kind === 'partial' && outcome.firstFailedIndex > 0) {
        // checkpoint just before the lowest failed record, retry from there
        this.deps.onDone(batch.records.slice(0, outcome.firstFailedIndex));
        batch.records = batch.records.slice(outcome.firstFailedIndex);
        if (mapping.bisectBatchOnFunctionError) {
          const [firstFailed] = batch.records;
          if (firstFailed === undefined) {
            throw new Error(
              `${this.where(batch)}: failed record index ${outcome.firstFailedIndex} is outside the batch`,
            );
          }
          this.deps.log(`${this.where(batch)}: partial failure, bisected at ${firstFailed.sequenceNumber}`);
          continue;
        }
      } else if (mapping.bisectBatchOnFunctionError && batch.records.length > 1) {
        const half = Math.ceil(batch.records.length / 2);
        const reason = outcome.kind === 'failure' ? outcome.reason : 'first record reported as failed';
        this.deps.log(
          `${this.where(batch)}: failed (${reason}), bisecting into ${half} + ${batch.records.length - half}`,
        );
        queue.splice(
          0,
          1,
          { ...batch, records: batch.records.slice(0, half) },
          { ...batch, records: batch.records.slice(half) },
        );
        continue;
      }

      const reason = outcome.kind === 'failure' ? outcome.reason : 'batch item failures reported';
      const unlimited = mapping.maximumRetryAttempts < 0;
      if (unlimited || batch.retries < mapping.maximumRetryAttempts) {
        batch.retries++;
        const delay = Math.min(this.deps.backoff.maxMs, this.deps.backoff.initialMs * 2 ** (batch.retries - 1));
        this.deps.log(
          `${this.where(batch)}: failed (${reason}), retry ${batch.retries}${unlimited ? '' : `/${mapping.maximumRetryAttempts}`} in ${delay} ms`,
        );
        await this.pause(delay);
        continue;
      }
      this.deps.log(`${this.where(batch)}: failed (${reason}), retries exhausted`);
      await this.discard(batch.records, batch, 'RetryAttemptsExhausted');
      queue.shift();
    }
  }

  private reportOutcome(
    records: readonly ShardRecord[],
    outcome: ReturnType<typeof interpretResult>,
    traceId: string | undefined,
  ): void {
    const onOutcome = this.deps.onOutcome;
    if (!onOutcome) return;
    const report = (of: readonly ShardRecord[], what: 'ok' | 'failed', detail?: string): void =>
      onOutcome(of, what, detail, traceId);
    if (outcome.kind === 'success') {
      report(records, 'ok');
      return;
    }
    if (outcome.kind === 'failure') {
      report(records, 'failed', outcome.reason);
      return;
    }
    // partial: the records before the lowest reported one are done, the rest is retried
    if (outcome.firstFailedIndex > 0) report(records.slice(0, outcome.firstFailedIndex), 'ok');
    report(records.slice(outcome.firstFailedIndex), 'failed', 'batch item failures reported');
  }

  private async invoke(records: readonly ShardRecord[]): Promise<InvocationResult> {
    try {
      return await this.deps.invoker.invoke(this.deps.mapping.functionName, toEvent(records));
    } catch (error) {
      const err = error as Error;
      return { kind: 'error', errorType: err?.name ?? 'Error', errorMessage: err?.message ?? String(error) };
    }
  }

  /** Sends records to the on-failure destination (if configured) and marks them done. */
  private async discard(
    records: readonly ShardRecord[],
    batch: PendingBatch,
    condition: OnFailureCondition,
  ): Promise<void> {
    const { mapping, shardId } = this.deps;
    if (mapping.onFailureDestination) {
      const record = this.onFailureRecord(records, batch, condition);
      // a destination that cannot be written is retried: the records must not be lost silently
      for (let attempt = 1; ; attempt++) {
        try {
          await this.deps.failedRecords.write(mapping.id, shardId, record);
          break;
        } catch (error) {
          if (this.deps.isStopping()) return;
          this.deps.log(
            `${this.where(batch)}: on-failure destination write failed (${(error as Error).message}), retrying`,
          );
          await this.pause(Math.min(this.deps.backoff.maxMs, this.deps.backoff.initialMs * 2 ** attempt));
        }
      }
      this.deps.log(
        `${this.where({ ...batch, records: [...records] })}: ${condition}, sent to the on-failure destination`,
      );
      this.deps.onOutcome?.(records, 'sent-to-on-failure', condition);
    } else {
      this.deps.log(
        `${this.where({ ...batch, records: [...records] })}: ${condition}, discarded (no on-failure destination)`,
      );
      this.deps.onOutcome?.(records, 'discarded', condition);
    }
    this.deps.onDone(records);
  }

  private onFailureRecord(
    records: readonly ShardRecord[],
    batch: PendingBatch,
    condition: OnFailureCondition,
  ): OnFailureRecord {
    const first = records[0];
    const last = records.at(-1);
    if (first === undefined || last === undefined) {
      throw new Error(`${this.where(batch)}: no on-failure record for an empty batch`);
    }
    const result = batch.lastResult;
    return {
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.deps.functionArn,
        condition,
        approximateInvokeCount: batch.invocations,
      },
      responseContext:
        result === undefined
          ? { statusCode: 0, executedVersion: '$LATEST' }
          : result.kind === 'error'
            ? { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' }
            : { statusCode: 200, executedVersion: '$LATEST' },
      version: '1.0',
      timestamp: new Date(this.deps.clock.now()).toISOString(),
      KinesisBatchInfo: {
        shardId: this.deps.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: first.approximateArrivalTimestamp.toISOString(),
        approximateArrivalOfLastRecord: last.approximateArrivalTimestamp.toISOString(),
        batchSize: records.length,
        streamArn: this.deps.mapping.streamArn,
      },
      payload: JSON.stringify(toEvent(records)),
    };
  }

  private async pause(ms: number): Promise<void> {
    const { clock } = this.deps;
    const until = clock.now() + ms;
    while (!this.deps.isStopping() && clock.now() < until) await sleep(Math.min(50, until - clock.now()), clock);
  }

  private where(batch: Pick<PendingBatch, 'records'>): string {
    const first = batch.records[0]?.sequenceNumber ?? '-';
    return `[esm ${this.deps.mapping.id}] ${this.deps.shardId} batch of ${batch.records.length} from ${first}`;
  }
}
