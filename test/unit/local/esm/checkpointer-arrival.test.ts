import { ShardCheckpointer } from '../../../../local/esm/checkpointer';
import type { CheckpointStore } from '../../../../local/esm/types';

const store: CheckpointStore = { load: async () => undefined, save: async () => undefined };

describe('ShardCheckpointer.oldestOutstandingArrival (the console lag in milliseconds)', () => {
  it('is the arrival of the first record not done yet, undefined once all are done', () => {
    const checkpointer = new ShardCheckpointer(store, 'M', 's0', undefined);
    expect(checkpointer.oldestOutstandingArrival).toBeUndefined();
    checkpointer.track('1', 1000);
    checkpointer.track('2', 2000);
    checkpointer.track('3', 3000);
    // done out of order (parallel lanes): the oldest outstanding is still record 1
    checkpointer.done(['2']);
    expect(checkpointer.oldestOutstandingArrival).toBe(1000);
    checkpointer.done(['1']);
    expect(checkpointer.oldestOutstandingArrival).toBe(3000);
    checkpointer.done(['3']);
    expect(checkpointer.oldestOutstandingArrival).toBeUndefined();
  });

  it('stays aligned with the records when the done prefix is compacted', () => {
    const checkpointer = new ShardCheckpointer(store, 'M', 's0', undefined);
    for (let i = 1; i <= 2100; i++) checkpointer.track(String(i), i * 10);
    checkpointer.done(Array.from({ length: 2000 }, (_, i) => String(i + 1)));
    expect(checkpointer.outstanding).toBe(100);
    expect(checkpointer.oldestOutstandingArrival).toBe(20010);
  });
});
