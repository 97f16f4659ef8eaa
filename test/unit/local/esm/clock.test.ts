import { OffsetClock, sleep } from '../../../../local/esm/clock';

describe('OffsetClock', () => {
  test('advance() moves now() ahead and fires the timers due by then, in due order', async () => {
    // Prepare
    const clock = new OffsetClock();
    const start = clock.now();
    const fired: string[] = [];
    clock.setTimer(60_000, () => fired.push('60 s'));
    clock.setTimer(30_000, () => fired.push('30 s'));
    const cancelLast = clock.setTimer(120_000, () => fired.push('120 s'));
    const cancel = clock.setTimer(45_000, () => fired.push('cancelled'));
    cancel();

    // Act
    clock.advance(90_000);

    // Assess
    expect(fired).toEqual(['30 s', '60 s']);
    expect(clock.now() - start).toBeGreaterThanOrEqual(90_000);
    expect(clock.now() - start).toBeLessThan(91_000);
    cancelLast();
  });

  test('sleep() on the clock ends when the clock is advanced past it', async () => {
    const clock = new OffsetClock();
    let woke = false;
    const slept = sleep(5 * 60_000, clock).then(() => (woke = true));
    clock.advance(5 * 60_000 - 1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    clock.advance(1_000);
    await slept;
    expect(woke).toBe(true);
  });

  test('real time still runs timers on their own', async () => {
    const clock = new OffsetClock();
    await sleep(20, clock);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
