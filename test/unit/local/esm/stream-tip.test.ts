import { StreamTip } from '../../../../local/esm/stream-tip';

describe('StreamTip', () => {
  it('counts records past a checkpoint, whoever read them, each record once', () => {
    const tip = new StreamTip();
    tip.observe('s0', ['10', '20', '30']);
    // a slower mapping reads the same records again, then one more
    tip.observe('s0', ['10', '20', '30', '40']);
    expect(tip.recordsAfter('s0', undefined)).toBe(4);
    expect(tip.recordsAfter('s0', '20')).toBe(2);
    expect(tip.recordsAfter('s0', '40')).toBe(0);
    // sequence numbers compare as numbers, not strings
    tip.observe('s0', ['100']);
    expect(tip.recordsAfter('s0', '99')).toBe(1);
    expect(tip.recordsAfter('s1', '1')).toBe(0);
  });

  it('keeps a bounded number of records per shard', () => {
    const tip = new StreamTip(2);
    tip.observe('s0', ['1', '2', '3', '4', '5']);
    expect(tip.recordsAfter('s0', undefined)).toBe(2);
  });

  it('reports new records per second over the last whole seconds', () => {
    let now = 10_000;
    const tip = new StreamTip(100, () => now);
    tip.observe('s0', ['1', '2', '3']);
    now = 11_500;
    tip.observe('s0', ['4', '5']);
    tip.observe('s1', ['1']);
    // a re-read adds nothing
    tip.observe('s0', ['5']);
    now = 12_100;
    expect(tip.eventsPerSecond(5)).toBeCloseTo(6 / 5);
    now = 30_000;
    expect(tip.eventsPerSecond(5)).toBe(0);
  });
});
