import { parseCliOptions, UsageError } from '../../../local/cli-options';

describe('parseCliOptions', () => {
  it('defaults to ports 3000 / 4568 / 8000 and keeps the data', () => {
    expect(parseCliOptions([], {})).toEqual({ port: 3000, kinesisPort: 4568, dynamoDbPort: 8000, dataDir: undefined });
  });

  it('reads PORT, KINESIS_PORT, DYNAMODB_PORT and ORDERSTREAM_DATA_DIR from the environment', () => {
    const options = parseCliOptions([], {
      PORT: '3100',
      KINESIS_PORT: '4600',
      DYNAMODB_PORT: '8100',
      ORDERSTREAM_DATA_DIR: '/tmp/x',
    });

    expect(options).toMatchObject({ port: 3100, kinesisPort: 4600, dynamoDbPort: 8100, dataDir: '/tmp/x' });
  });

  it('lets flags win over the environment, in both --flag value and --flag=value forms', () => {
    const options = parseCliOptions(['--fresh', '--port', '3200', '--kinesis-port=4700', '--no-synth'], {
      PORT: '3100',
    });

    expect(options).toMatchObject({ fresh: true, port: 3200, kinesisPort: 4700, dynamoDbPort: 8000, skipSynth: true });
  });

  it('turns the authorizers off with --no-auth and softens the role checks with --iam soft', () => {
    expect(parseCliOptions([], {})).not.toHaveProperty('apiAuthorizers');
    expect(parseCliOptions(['--no-auth'], {}).apiAuthorizers).toBe(false);
    expect(parseCliOptions(['--iam', 'soft'], {}).iam).toBe('soft');
    expect(parseCliOptions(['--iam=enforce'], {}).iam).toBe('enforce');
    expect(() => parseCliOptions(['--iam', 'off'], {})).toThrow(/--iam must be enforce or soft/);
  });

  it('rejects unknown options and bad ports with a usage error', () => {
    expect(() => parseCliOptions(['--frsh'], {})).toThrow(UsageError);
    expect(() => parseCliOptions(['--port', 'abc'], {})).toThrow(/port number/);
    expect(() => parseCliOptions(['--port'], {})).toThrow(/needs a value/);
  });

  it('overrides every schedule rate with --schedule-every or ORDERSTREAM_SCHEDULE_EVERY', () => {
    expect(parseCliOptions([], {}).scheduleEveryMs).toBeUndefined();
    expect(parseCliOptions([], { ORDERSTREAM_SCHEDULE_EVERY: '5s' }).scheduleEveryMs).toBe(5000);
    expect(parseCliOptions(['--schedule-every', '500ms'], { ORDERSTREAM_SCHEDULE_EVERY: '5s' }).scheduleEveryMs).toBe(
      500,
    );
    expect(() => parseCliOptions(['--schedule-every=soon'], {})).toThrow(UsageError);
  });

  it('passes repeated --context KEY=VALUE pairs to the synth, and refuses a pair without a key', () => {
    expect(parseCliOptions([], {}).synthContext).toBeUndefined();
    expect(
      parseCliOptions(['--context', 'faultInjectionRate=0.1', '--context=sagaStepTimeoutSeconds=20'], {}).synthContext,
    ).toEqual({ faultInjectionRate: '0.1', sagaStepTimeoutSeconds: '20' });
    expect(() => parseCliOptions(['--context', '=1'], {})).toThrow(UsageError);
    expect(() => parseCliOptions(['--context', 'novalue'], {})).toThrow(UsageError);
  });
});
