import { ShardCheckpointer } from '../../../../local/esm/checkpointer';
import type { CheckpointStore } from '../../../../local/esm/types';

class MemoryStore implements CheckpointStore {
  public readonly saves: string[] = [];
  public async load(): Promise<string | undefined> {
    return undefined;
  }
  public async save(_m: string, _s: string, seq: string): Promise<void> {
    this.saves.push(seq);
  }
}

describe('ShardCheckpointer', () => {
  test('checkpoints the last record of the contiguous done prefix when batches finish out of order', async () => {
    // Prepare
    const store = new MemoryStore();
    const checkpointer = new ShardCheckpointer(store, 'Map', 'shardId-000000000000', undefined);
    for (const s of ['1', '2', '3', '4']) checkpointer.track(s);

    // Act
    checkpointer.done(['3', '4']);
    await checkpointer.persist();
    const afterLaterLane = checkpointer.checkpoint;
    checkpointer.done(['1', '2']);
    await checkpointer.persist();

    // Assess
    expect(afterLaterLane).toBeUndefined();
    expect(checkpointer.checkpoint).toBe('4');
    expect(checkpointer.outstanding).toBe(0);
    expect(store.saves).toEqual(['4']);
  });

  test('nothing is written after close()', async () => {
    const store = new MemoryStore();
    const checkpointer = new ShardCheckpointer(store, 'Map', 'shardId-000000000000', '0');
    checkpointer.track('1');
    await checkpointer.close();
    checkpointer.done(['1']);
    await checkpointer.persist();
    expect(store.saves).toEqual([]);
  });
});
