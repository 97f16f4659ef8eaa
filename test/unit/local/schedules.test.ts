import { LocalScheduler, parseInterval, ratePeriodMs, scheduleDefinitions } from '../../../local/schedules';
import { LocalTemplate } from '../../../local/template';

const context = { stackName: 'Orderstream-local', region: 'us-east-1', accountId: '000000000000' };

/** A sweeper function triggered by a rule, as the CDK synthesizes it (plus a disabled rule and a cron one). */
const template = new LocalTemplate(
  {
    Resources: {
      Sweeper: { Type: 'AWS::Lambda::Function', Properties: {} },
      SweepRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(1 minute)',
          State: 'ENABLED',
          Targets: [{ Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, Id: 'Target0' }],
        },
      },
      Disabled: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(5 minutes)',
          State: 'DISABLED',
          Targets: [{ Arn: 'arn:aws:lambda:x' }],
        },
      },
      Nightly: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          ScheduleExpression: 'cron(0 3 * * ? *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] }, RoleArn: 'r', Input: '{"mode":"nightly"}' },
        },
      },
    },
  },
  context,
);

describe('schedule expressions', () => {
  it('parses rate() in minutes, hours and days; cron() and at() are not run locally', () => {
    expect(ratePeriodMs('rate(1 minute)')).toBe(60_000);
    expect(ratePeriodMs('rate(5 minutes)')).toBe(300_000);
    expect(ratePeriodMs('rate(2 hours)')).toBe(7_200_000);
    expect(ratePeriodMs('rate(1 day)')).toBe(86_400_000);
    expect(ratePeriodMs('cron(0 3 * * ? *)')).toBeUndefined();
    expect(ratePeriodMs('at(2030-01-01T00:00:00)')).toBeUndefined();
  });

  it('rejects what EventBridge rejects', () => {
    expect(() => ratePeriodMs('rate(1 minutes)')).toThrow(/rate\(1 minute\)/);
    expect(() => ratePeriodMs('rate(5 minute)')).toThrow(/invalid rate/);
    expect(() => ratePeriodMs('rate(0 minutes)')).toThrow(/invalid rate/);
    expect(() => ratePeriodMs('rate(10 seconds)')).toThrow(/unsupported/);
  });

  it('parses the local override interval', () => {
    expect(parseInterval('500ms')).toBe(500);
    expect(parseInterval('5s')).toBe(5000);
    expect(parseInterval('2m')).toBe(120_000);
    expect(() => parseInterval('5')).toThrow(/interval like/);
  });
});

describe('scheduleDefinitions', () => {
  it('finds enabled rules and schedules with Lambda targets, resolved to local ARNs', () => {
    expect(scheduleDefinitions(template)).toEqual([
      {
        id: 'SweepRule',
        arn: 'arn:aws:events:us-east-1:000000000000:rule/Orderstream-local-SweepRule',
        expression: 'rate(1 minute)',
        periodMs: 60_000,
        targets: [{ functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Orderstream-local-Sweeper' }],
      },
      {
        id: 'Nightly',
        arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/Orderstream-local-Nightly',
        expression: 'cron(0 3 * * ? *)',
        periodMs: undefined,
        targets: [
          {
            functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Orderstream-local-Sweeper',
            input: { mode: 'nightly' },
          },
        ],
      },
    ]);
  });
});

describe('LocalScheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2030-01-02T03:04:05.678Z') }));
  afterEach(() => jest.useRealTimers());

  it('invokes the target each period with the scheduled event, one at a time, and stops cleanly', async () => {
    const calls: Array<{ arn: string; event: Record<string, unknown> }> = [];
    let finish: () => void = () => undefined;
    const logs: string[] = [];
    const scheduler = new LocalScheduler({
      schedules: scheduleDefinitions(template),
      invoke: (arn, event) => {
        calls.push({ arn, event: event as Record<string, unknown> });
        return new Promise((resolveInvoke) => {
          finish = () => resolveInvoke({ kind: 'success', payload: null });
        });
      },
      region: 'us-east-1',
      accountId: '000000000000',
      everyMs: 5000,
      log: (line) => logs.push(line),
    });
    scheduler.start();
    expect(logs).toContain('[schedule Nightly] cron(0 3 * * ? *): only rate() runs locally, not run');

    await jest.advanceTimersByTimeAsync(4999);
    expect(calls).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.arn).toBe('arn:aws:lambda:us-east-1:000000000000:function:Orderstream-local-Sweeper');
    expect(calls[0]!.event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: '2030-01-02T03:04:10Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/Orderstream-local-SweepRule'],
      detail: {},
    });

    // the first invocation still runs: the next tick is skipped
    await jest.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(1);
    expect(logs.at(-1)).toContain('tick skipped');
    finish();
    await jest.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(2);

    const stopped = scheduler.stop();
    finish();
    await stopped;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(2);
  });
});
