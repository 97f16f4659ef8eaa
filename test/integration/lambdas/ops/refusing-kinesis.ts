import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import type { PutRecordsSender } from '../../../../lambdas/ops/ordered-put';

/**
 * The real emulator behind PutRecords, except for the entries `refuse` picks: those are kept
 * out of the call sent to kinesis-mock and answered with ProvisionedThroughputExceededException
 * at their position, as Kinesis answers a partially throttled call. Everything accepted is
 * really on the stream. `refuse` gets the entry's data (utf-8) and how often it was refused before.
 */
export class RefusingKinesis implements PutRecordsSender {
  public readonly callSizes: number[] = [];
  private readonly refusals = new Map<string, number>();

  public constructor(
    private readonly kinesis: KinesisClient,
    private readonly refuse: (data: string, refusedBefore: number) => boolean,
  ) {}

  public async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const entries = command.input.Records ?? [];
    this.callSizes.push(entries.length);
    const refused = entries.map((entry) => {
      const data = Buffer.from(entry.Data!).toString('utf8');
      const before = this.refusals.get(data) ?? 0;
      if (!this.refuse(data, before)) return false;
      this.refusals.set(data, before + 1);
      return true;
    });
    const passed = entries.filter((_, index) => !refused[index]);
    const real =
      passed.length > 0
        ? await this.kinesis.send(new PutRecordsCommand({ ...command.input, Records: passed }))
        : { Records: [] as PutRecordsResultEntry[], $metadata: {} };
    const realResults = [...(real.Records ?? [])];
    const Records = refused.map((isRefused) =>
      isRefused
        ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded (injected)' }
        : realResults.shift()!,
    );
    return { ...real, Records, FailedRecordCount: Records.filter((record) => record.ErrorCode).length };
  }
}
