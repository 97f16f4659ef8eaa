import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CheckpointStore, FailedRecordSink, OnFailureRecord } from './types';

/** Writes a file atomically: a temporary file in the same folder, then rename. */
async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Checkpoints in `<folder>/<mapping id>.json`: `{ "<shardId>": "<sequence number | SHARD_END>" }`,
 * written atomically after every change (writes per mapping are serialized).
 */
export class FileCheckpointStore implements CheckpointStore {
  private readonly cache = new Map<string, Promise<Record<string, string>>>();
  private readonly writes = new Map<string, Promise<void>>();

  public constructor(private readonly folder: string) {}

  public async load(mappingId: string, shardId: string): Promise<string | undefined> {
    return (await this.shards(mappingId))[shardId];
  }

  public async save(mappingId: string, shardId: string, sequenceNumber: string | undefined): Promise<void> {
    const shards = await this.shards(mappingId);
    if (sequenceNumber === undefined) delete shards[shardId];
    else shards[shardId] = sequenceNumber;
    const previous = this.writes.get(mappingId) ?? Promise.resolve();
    const write = previous
      .catch(() => undefined)
      .then(() => writeAtomically(this.file(mappingId), `${JSON.stringify(shards, null, 2)}\n`));
    this.writes.set(mappingId, write);
    await write;
  }

  private shards(mappingId: string): Promise<Record<string, string>> {
    let shards = this.cache.get(mappingId);
    if (!shards) {
      shards = readFile(this.file(mappingId), 'utf8').then(
        (text) => JSON.parse(text) as Record<string, string>,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return {};
          throw error;
        },
      );
      this.cache.set(mappingId, shards);
    }
    return shards;
  }

  private file(mappingId: string): string {
    return join(this.folder, `${safeName(mappingId)}.json`);
  }
}

/**
 * Local stand-in for an S3 on-failure destination: one JSON object per failed (sub)batch under
 * `<folder>/aws/lambda/<mapping id>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`, the key
 * layout of kinesis-on-failure-destination ("The S3 object containing the invocation record uses
 * the following naming convention").
 */
export class FolderFailedRecordSink implements FailedRecordSink {
  public constructor(private readonly folder: string) {}

  public async write(mappingId: string, shardId: string, record: OnFailureRecord): Promise<void> {
    await writeAtomically(
      join(this.folder, FolderFailedRecordSink.key(mappingId, shardId, new Date(record.timestamp))),
      JSON.stringify(record),
    );
  }

  public static key(mappingId: string, shardId: string, at: Date): string {
    const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
    const stamp = `${iso.slice(0, 10)}T${iso.slice(11, 19).replace(/:/g, '.')}`;
    return ['aws', 'lambda', safeName(mappingId), safeName(shardId), yyyy, mm, dd, `${stamp}-${randomUUID()}`].join(
      '/',
    );
  }
}
