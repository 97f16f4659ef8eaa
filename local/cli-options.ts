import type { LocalAppOptions, LocalRuntimeOptions } from './runtime';

/** What the command line sets: the runtime's options, not the app's. */
export type CliOptions = Omit<LocalRuntimeOptions, keyof LocalAppOptions>;

import { parseInterval, ScheduleExpressionError } from './schedules';

/**
 * `npm start -- [--fresh] [--port N] [--kinesis-port N] [--dynamodb-port N] [--data-dir DIR] [--no-synth]`
 * Flags win over the environment (PORT, KINESIS_PORT, DYNAMODB_PORT, ORDERSTREAM_DATA_DIR, ORDERSTREAM_SCHEDULE_EVERY).
 */
export const USAGE = `Usage: npm start -- [options]
  --fresh              wipe the data folder first (stream, tables, checkpoints, failed records, outbox)
  --port N             HTTP API port            (env PORT, default 3000)
  --kinesis-port N     kinesis-mock port        (env KINESIS_PORT, default 4568)
  --dynamodb-port N    DynamoDB Local port      (env DYNAMODB_PORT, default 8000)
  --data-dir DIR       data folder              (env ORDERSTREAM_DATA_DIR, default .orderstream)
  --no-synth           reuse cdk.out instead of running cdk synth
  --context K=V        extra CDK context for the synth (repeatable), e.g. sagaStepTimeoutSeconds=20 or
                       faultInjectionRate=0.05 (consumers fail that share of records on purpose; local only)
  --schedule-every T   run every rate() schedule of the stack each T (e.g. 5s, 500ms, 2m) instead of
                       its own rate                    (env ORDERSTREAM_SCHEDULE_EVERY)
  --metric-period T    every CloudWatch alarm and dashboard period of the stack lasts T (e.g. 2s)
                       instead of its own, so alarms change state in seconds (env ORDERSTREAM_METRIC_PERIOD)
  --no-auth            serve every route open: no SigV4, JWT or execute-api:Invoke checks (the banner warns)
  --iam MODE           function roles: enforce (default; a call outside the role gets AccessDeniedException)
                       or soft (log the denial, let the call through)
  --verbose            show emulator output
  --help               this text`;

export class UsageError extends Error {
  public readonly name = 'UsageError';
}

export function parseCliOptions(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions & { help?: boolean } {
  const port = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined || value === '') return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
      throw new UsageError(`${name} must be a port number; got '${value}'`);
    return parsed;
  };
  const interval = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined || value === '') return undefined;
    try {
      return parseInterval(value);
    } catch (error) {
      if (error instanceof ScheduleExpressionError) throw new UsageError(`${name}: ${error.message}`);
      throw error;
    }
  };
  const options: { -readonly [K in keyof CliOptions]: CliOptions[K] } & { help?: boolean } = {
    port: port('PORT', env.PORT) ?? 3000,
    kinesisPort: port('KINESIS_PORT', env.KINESIS_PORT) ?? 4568,
    dynamoDbPort: port('DYNAMODB_PORT', env.DYNAMODB_PORT) ?? 8000,
    dataDir: env.ORDERSTREAM_DATA_DIR || undefined,
    scheduleEveryMs: interval('ORDERSTREAM_SCHEDULE_EVERY', env.ORDERSTREAM_SCHEDULE_EVERY),
    metricPeriodMs: interval('ORDERSTREAM_METRIC_PERIOD', env.ORDERSTREAM_METRIC_PERIOD),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!; // i < argv.length (value() moves i on, the loop test checks it again)
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--fresh':
        options.fresh = true;
        break;
      case '--port':
        options.port = port(flag, value());
        break;
      case '--kinesis-port':
        options.kinesisPort = port(flag, value());
        break;
      case '--dynamodb-port':
        options.dynamoDbPort = port(flag, value());
        break;
      case '--data-dir':
        options.dataDir = value();
        break;
      case '--context': {
        const pair = value();
        const separator = pair.indexOf('=');
        if (separator < 1) throw new UsageError(`--context needs KEY=VALUE; got '${pair}'`);
        options.synthContext = { ...options.synthContext, [pair.slice(0, separator)]: pair.slice(separator + 1) };
        break;
      }
      case '--schedule-every':
        options.scheduleEveryMs = interval(flag, value());
        break;
      case '--metric-period':
        options.metricPeriodMs = interval(flag, value());
        break;
      case '--no-synth':
        options.skipSynth = true;
        break;
      case '--no-auth':
        options.apiAuthorizers = false;
        break;
      case '--iam': {
        const mode = value();
        if (mode !== 'enforce' && mode !== 'soft') throw new UsageError(`--iam must be enforce or soft; got '${mode}'`);
        options.iam = mode;
        break;
      }
      case '--verbose':
        options.emulatorOutput = 'inherit';
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'\n${USAGE}`);
    }
  }
  return options;
}
