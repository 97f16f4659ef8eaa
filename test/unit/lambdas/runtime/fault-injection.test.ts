import {
  drawFault,
  faultInjector,
  faultInjectorFromEnv,
  InjectedFaultError,
  parseFaultRate,
} from '../../../../lambdas/runtime/fault-injection';

describe('fault injection (local-only soak switch)', () => {
  const savedEnv = process.env.ORDERSTREAM_FAULT_RATE;
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.ORDERSTREAM_FAULT_RATE;
    else process.env.ORDERSTREAM_FAULT_RATE = savedEnv;
  });

  it('splits the rate into three equal parts: before, after, exit; no fault above it', () => {
    expect([0, 0.09, 0.1, 0.19, 0.2, 0.29, 0.3, 0.99].map((u) => drawFault(0.3, u))).toEqual([
      'before',
      'before',
      'after',
      'after',
      'exit',
      'exit',
      undefined,
      undefined,
    ]);
  });

  it('accepts rates in 0..0.5 and refuses anything else with a message naming the bound', () => {
    expect(parseFaultRate('0.25')).toBe(0.25);
    expect(parseFaultRate('0')).toBe(0);
    for (const bad of ['0.6', '-0.1', 'often', '']) expect(() => parseFaultRate(bad)).toThrow(/0\.\.0\.5/);
  });

  it('is off when the variable is unset or 0', () => {
    delete process.env.ORDERSTREAM_FAULT_RATE;
    expect(faultInjectorFromEnv()).toBeUndefined();
    process.env.ORDERSTREAM_FAULT_RATE = '0';
    expect(faultInjectorFromEnv()).toBeUndefined();
    process.env.ORDERSTREAM_FAULT_RATE = '0.3';
    expect(faultInjectorFromEnv()).toBeInstanceOf(Function);
  });

  it('"before" throws without running the handler', async () => {
    const handle = jest.fn(async () => undefined);
    const inject = faultInjector(0.3, { random: () => 0 })!;
    await expect(inject(handle)).rejects.toBeInstanceOf(InjectedFaultError);
    expect(handle).not.toHaveBeenCalled();
  });

  it('"after" runs the handler to completion, then throws', async () => {
    const done: string[] = [];
    const inject = faultInjector(0.3, { random: () => 0.15 })!;
    await expect(inject(async () => void done.push('effect'))).rejects.toThrow(/after the handler completed/);
    expect(done).toEqual(['effect']);
  });

  it('"exit" kills the process while the handler runs (or right after it, never reporting success)', async () => {
    // Prepare: the exit timer fires after 0 ms, while the handler still waits on its I/O
    const exits: string[] = [];
    const draws = [0.25, 0];
    const inject = faultInjector(0.3, { random: () => draws.shift()!, exit: () => void exits.push('exit') })!;
    let release: () => void = () => undefined;
    // Act
    const running = inject(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Assess
    expect(exits).toEqual(['exit']);
    release();
    await running;
  });

  it('leaves records alone when the draw is above the rate', async () => {
    const handle = jest.fn(async () => undefined);
    await faultInjector(0.3, { random: () => 0.5 })!(handle);
    expect(handle).toHaveBeenCalledTimes(1);
  });
});
