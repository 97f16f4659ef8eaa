import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore, FolderFailedRecordSink } from '../../../../local/esm/stores';
import type { OnFailureRecord } from '../../../../local/esm/types';

describe('FileCheckpointStore and FolderFailedRecordSink', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'esm-stores-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('checkpoints survive a new store instance, one JSON file per mapping, no temp files left', async () => {
    const store = new FileCheckpointStore(dir);
    await Promise.all([
      store.save('MapA', 'shardId-000000000000', '1'),
      store.save('MapA', 'shardId-000000000001', '2'),
    ]);
    await store.save('MapA', 'shardId-000000000000', '3');

    const reopened = new FileCheckpointStore(dir);
    expect(await reopened.load('MapA', 'shardId-000000000000')).toBe('3');
    expect(await reopened.load('MapA', 'shardId-000000000001')).toBe('2');
    expect(await reopened.load('MapB', 'shardId-000000000000')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['MapA.json']);
  });

  test('saving undefined forgets a shard checkpoint, on disk too', async () => {
    const store = new FileCheckpointStore(dir);
    await store.save('MapA', 'shardId-000000000000', '1');
    await store.save('MapA', 'shardId-000000000001', '2');
    await store.save('MapA', 'shardId-000000000000', undefined);

    const reopened = new FileCheckpointStore(dir);
    expect(await reopened.load('MapA', 'shardId-000000000000')).toBeUndefined();
    expect(await reopened.load('MapA', 'shardId-000000000001')).toBe('2');
  });

  test('on-failure records are written under the S3 destination key layout', async () => {
    const sink = new FolderFailedRecordSink(dir);
    const record = { timestamp: '2026-11-27T05:06:07.123Z', version: '1.0' } as unknown as OnFailureRecord;
    await sink.write('MapA', 'shardId-000000000002', record);

    const folder = join(dir, 'aws/lambda/MapA/shardId-000000000002/2026/11/27');
    const [file] = readdirSync(folder);
    expect(file).toMatch(/^2026-11-27T05\.06\.07-[0-9a-f-]{36}$/);
    expect(JSON.parse(readFileSync(join(folder, file!), 'utf8'))).toEqual(record);
  });
});
