/**
 * Child process of crash.test.ts: the local runtime's Kinesis path on persisted emulators in
 * `argv[2]` (kinesis-mock + DynamoDB Local, the durable put proxy, the ESM engine with file
 * checkpoints) and one consumer that, for each `{ kind: 'order', n }` record, puts
 * `{ kind: 'effect', n }` through the proxy, as the functions do. Prints JSON lines on stdout:
 * `{ ready }` once up, `{ effect: n }` for each effect put the proxy acknowledged, `{ log }`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { localKinesisClient } from '../../../local/clients';
import { startEmulators } from '../../../local/emulators';
import { EventSourceMappingEngine, FileCheckpointStore, FolderFailedRecordSink } from '../../../local/esm';
import { DurableKinesisProxy } from '../../../local/kinesis-journal';
import { ACCOUNT, createStream, mappingFor, REGION, type TestStream } from '../esm/esm-fixture';

const emit = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (dataDir === undefined) throw new Error('usage: crash-child <dataDir>');
  const emulators = await startEmulators({ dataDir });
  const kinesis = localKinesisClient(emulators.kinesisEndpoint);
  const streamFile = join(dataDir, 'stream.json');
  let stream: TestStream;
  if (existsSync(streamFile)) {
    stream = JSON.parse(readFileSync(streamFile, 'utf8'));
  } else {
    stream = await createStream(kinesis, 2);
    // The stream itself is in kinesis-mock's snapshot only after its next save (PERSIST_INTERVAL,
    // 10 s); `npm start` re-provisions a stream a crash lost, this child does not: wait for it.
    await waitForSnapshotOf(join(dataDir, 'kinesis', 'kinesis-data.json'), stream.streamName);
  }
  writeFileSync(streamFile, JSON.stringify(stream));

  const log = (line: string): void => emit({ log: line });
  const proxy = await DurableKinesisProxy.listen({
    upstream: emulators.kinesisEndpoint,
    kinesis,
    journalPath: join(dataDir, 'kinesis', 'journal.jsonl'),
    log,
  });
  const viaProxy = localKinesisClient(proxy.endpoint);
  const engine = new EventSourceMappingEngine({
    kinesis,
    invoker: {
      invoke: async (_functionName, event) => {
        for (const record of event.Records) {
          const data = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
          if (data.kind !== 'order') continue;
          await viaProxy.send(
            new PutRecordCommand({
              StreamARN: stream.streamArn,
              PartitionKey: record.kinesis.partitionKey,
              Data: Buffer.from(JSON.stringify({ kind: 'effect', n: data.n })),
            }),
          );
          emit({ effect: data.n });
        }
        return { kind: 'success', payload: null };
      },
    },
    checkpoints: new FileCheckpointStore(join(dataDir, 'checkpoints')),
    failedRecords: new FolderFailedRecordSink(join(dataDir, 'failed')),
    region: REGION,
    accountId: ACCOUNT,
    log,
  });
  // the runtime's order: checkpoints checked against the persisted tip, then the journal's re-puts
  await engine.start([mappingFor(stream, { id: 'Consumer', batchSize: 10 })]);
  const recovered = await proxy.recover();
  emit({ ready: true, kinesisEndpoint: emulators.kinesisEndpoint, proxyEndpoint: proxy.endpoint, stream, recovered });
}

main().catch((error: unknown) => {
  emit({ error: (error as Error).stack ?? String(error) });
  process.exit(1);
});

async function waitForSnapshotOf(snapshotFile: string, streamName: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(existsSync(snapshotFile) && readFileSync(snapshotFile, 'utf8').includes(streamName))) {
    if (Date.now() > deadline) throw new Error(`${streamName} not in ${snapshotFile} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
