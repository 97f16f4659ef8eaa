import { existsSync, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { AccessMode } from './access/access-checker';
import type { GatewayAuthorizer } from './access/gateway-authorizer';
import type { ApiPrincipalSpec, LocalAccess, LocalPrincipal } from './access/local-access';
import { assertMappingsPermitted, startAccessChecks } from './access/start';
import type { LocalJwtIssuer } from './auth';
import { type BannerInfo, startupBanner } from './banner';
import { localDynamoDbClient, localKinesisClient } from './clients';
import { countBy, type RecordDescriber, RecordTimeline } from './console/model';
import {
  CONSOLE_PATH,
  type ConsoleReplayResult,
  type ConsoleSources,
  consoleHandler,
  type StatusCounts,
} from './console/server';
import { LOCAL_REGION, type RunningEmulators, startEmulators } from './emulators';
import { EventSourceMappingEngine, FileCheckpointStore, FolderFailedRecordSink } from './esm';
import type { InvocationResult, MappingConfig } from './esm/types';
import { defaultLog, FunctionRunner } from './function-runner';
import { functionDefinitions, type LocalFunctionDefinition } from './functions';
import { type ApiRequestReport, type RunningHttpApi, startHttpApi } from './http-api';
import { DurableKinesisProxy } from './kinesis-journal';
import { LocalCloudWatch, notificationsDirOf } from './local-cloudwatch';
import { mappingConfigs } from './mappings';
import { assertPortsFree } from './ports';
import { type ProvisionedResource, type ProvisionResult, provision } from './provision';
import { type HttpApiDefinition, httpApiDefinition } from './routes';
import { LocalScheduler, scheduleDefinitions } from './schedules';
import { synthesize } from './synth';
import { LocalTemplate } from './template';
import { resolveWorkerNode, workerNodeWarning } from './worker-node';
import { LocalXRayDaemon } from './xray/daemon';
import { LambdaTraces } from './xray/lambda-traces';
import { SegmentStore } from './xray/segment-store';

/**
 * The whole backend on one machine: synthesize the CDK app, start the emulators, create what the
 * template declares, run the functions from their bundled assets, emulate the event-source
 * mappings and serve the HTTP API. `stop()` shuts down in reverse order, gracefully.
 *
 * Nothing here knows the app: what is specific to it (names for its tables, extra variables for
 * some functions, data to load on a fresh start, banner hints) comes in through LocalAppOptions;
 * bin/local-app.ts holds orderstream's.
 */

export const LOCAL_ACCOUNT_ID = '000000000000';

/** What a fresh start hook can work with: the emulators' clients and the tables by role. */
export interface FreshStartContext<Role extends string = string> {
  readonly dynamodb: DynamoDBClient;
  readonly kinesis: KinesisClient;
  /** Table names by role (LocalAppOptions.tableRoles). */
  readonly tables: Readonly<Record<Role, string>>;
  readonly provisioned: ProvisionResult;
  readonly dataDir: string;
}

/** Where the app's pieces plug in. */
export interface LocalAppOptions<Role extends string = string> {
  /** The app's stack name for a stage (the stack `cdk synth` builds and the runtime reads). */
  readonly stackNameFor: (stage: string) => string;
  /**
   * Names for the tables the app's own code needs, by the start of their logical id, e.g.
   * `{ inventory: 'Inventory' }`; each must match exactly one table of the template. Resolved
   * names are on `LocalRuntime.tables`. @default none
   */
  readonly tableRoles?: Readonly<Record<Role, string>>;
  /** Extra variables for one function on top of the template's (e.g. a local outbox folder). @default none */
  readonly functionEnvironment?: (fn: LocalFunctionDefinition, dataDir: string) => Readonly<Record<string, string>>;
  /**
   * Runs before the API reports ready when the data is new: `fresh` was set, or a table was just
   * created. Loads demo data, for instance; a returned string is shown in the banner. @default none
   */
  readonly onFreshStart?: (context: FreshStartContext<Role>) => Promise<string | undefined>;
  /** The local console (`/_console`): what the app adds to it. @default the app-agnostic panels only */
  readonly console?: LocalConsoleOptions<Role>;
  /** Lines for the banner's "Try:" section. @default none */
  readonly bannerHints?: (info: BannerHintInfo<Role>) => readonly string[];
  /**
   * Callers of the HTTP API's AWS_IAM routes, each with fixed local keys and one managed policy of the
   * template (skipped, with a note, when the template has no such policy). @default none
   */
  readonly apiPrincipals?: readonly ApiPrincipalSpec[];
  /**
   * CDK context the app adds for the synth once the API's URL is known (e.g. the local JWT issuer, which is
   * that URL), given the context from the command line; the command line's keys win. @default none
   */
  readonly synthContextFor?: (
    given: Readonly<Record<string, string>>,
    local: { readonly apiUrl: string },
  ) => Readonly<Record<string, string>>;
}

/** What the banner hints may use. */
export interface BannerHintInfo<Role extends string = string> {
  readonly apiUrl: string;
  readonly tables: Readonly<Record<Role, string>>;
  /** Whether the routes' authorizers are enforced (false with --no-auth). */
  readonly authorizers: boolean;
  /** The API principals that exist in this template, by name. */
  readonly principals: ReadonlyMap<string, LocalPrincipal>;
  /** Whether the template's API uses JWT routes issued by the local runtime. */
  readonly localJwt: boolean;
}

/** What the local console cannot know without the app. */
export interface LocalConsoleOptions<Role extends string = string> {
  /** Counts items of a table (by role) by one attribute, e.g. orders by status. @default no such panel */
  readonly countBy?: { readonly title: string; readonly tableRole: Role; readonly attribute: string };
  /** Reads a record's key (the timeline is searched by it), type and id. @default the partition key only */
  readonly describeRecord?: RecordDescriber;
  /** What the key is called, e.g. 'orderId'. @default 'partition key' */
  readonly keyLabel?: string;
  /**
   * The X-Ray annotation that holds the key (the console's waterfall searches traces by it, as
   * X-Ray's `annotation.<name> = "…"`). @default no waterfall
   */
  readonly traceAnnotation?: string;
  /**
   * The console's Replay button: puts the records of the on-failure folder back on the stream
   * (the app's own replay code, e.g. `npm run replay`'s). @default no Replay button
   */
  readonly replay?: (request: ConsoleReplayRequest) => Promise<ConsoleReplayResult>;
}

export interface ConsoleReplayRequest {
  /** The on-failure destination's folder. */
  readonly folder: string;
  readonly streamName: string;
  /** A client on the Kinesis emulator. */
  readonly kinesis: KinesisClient;
}

export interface LocalRuntimeOptions<Role extends string = string> extends LocalAppOptions<Role> {
  /** Project root (cdk.json). @default process.cwd() */
  readonly projectDir?: string;
  /** Persisted data (emulators, checkpoints, failed records, outbox). @default '<projectDir>/.orderstream' */
  readonly dataDir?: string;
  /** Wipe dataDir before starting. @default false */
  readonly fresh?: boolean;
  /** HTTP API port (0 = free port). @default 3000 */
  readonly port?: number;
  /** kinesis-mock port (0 = free port). @default 4568 */
  readonly kinesisPort?: number;
  /** DynamoDB Local port (0 = free port). @default 8000 */
  readonly dynamoDbPort?: number;
  /** CDK stage; the stack is `stackNameFor(stage)`. @default 'local' */
  readonly stage?: string;
  /** cdk synth output folder. @default '<projectDir>/cdk.out' */
  readonly cdkOutDir?: string;
  /** Use an already synthesized cdkOutDir instead of running `cdk synth`. @default false */
  readonly skipSynth?: boolean;
  /** Extra CDK context for the synth (`-c key=value`), e.g. `{ faultInjectionRate: '0.05' }`. @default none */
  readonly synthContext?: Readonly<Record<string, string>>;
  /** Max concurrent environments per function. @default 4 */
  readonly maxConcurrency?: number;
  /** Bound on letting in-flight batches finish at stop. @default 10_000 */
  readonly drainTimeoutMs?: number;
  /** Function log lines. @default console, prefixed `[service]` */
  readonly onFunctionLog?: (line: string, fn: LocalFunctionDefinition, stream: 'stdout' | 'stderr') => void;
  /** Observes every finished function invocation. */
  readonly onInvocation?: (fn: LocalFunctionDefinition, event: unknown, result: InvocationResult) => void;
  /** Progress messages. @default console.log */
  readonly log?: (message: string) => void;
  /** Emulator stdout/stderr. @default 'ignore' */
  readonly emulatorOutput?: 'ignore' | 'inherit';
  /**
   * Runs every rate() schedule of the template (EventBridge rules, Scheduler schedules) at this
   * period instead of its own, so tests and soak runs need not wait minutes.
   * @default each schedule's own rate
   */
  readonly scheduleEveryMs?: number;
  /**
   * Every CloudWatch alarm's and dashboard's period lasts this long instead of its own, so a 5-minute
   * alarm goes to ALARM and back in seconds (`--metric-period`). @default each one's own period
   */
  readonly metricPeriodMs?: number;
  /**
   * Enforce the routes' authorizers (AWS_IAM SigV4 + execute-api:Invoke, JWT) as API Gateway does; false
   * (`--no-auth`) serves every route open, as before, and says so in the banner. @default true
   */
  readonly apiAuthorizers?: boolean;
  /**
   * Each function's calls to DynamoDB and Kinesis are checked against its role in the template:
   * 'enforce' answers a denial with AccessDeniedException, 'soft' (`--iam soft`) logs it and lets the
   * call through. @default 'enforce'
   */
  readonly iam?: AccessMode;
}

export interface LocalRuntime<Role extends string = string> {
  readonly apiUrl: string;
  /** The local console: `<apiUrl>/_console`. */
  readonly consoleUrl: string;
  readonly kinesisEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly dataDir: string;
  readonly template: LocalTemplate;
  readonly provisioned: ProvisionResult;
  /** Table names by role (LocalAppOptions.tableRoles). */
  readonly tables: Readonly<Record<Role, string>>;
  readonly mappings: readonly MappingConfig[];
  readonly functions: FunctionRunner;
  /** Local principals (API callers, one per function), the access checks and their denials. */
  readonly access: LocalAccess;
  /** Where `access.principals` were written (`<dataDir>/local-principals.json`). */
  readonly principalsFile: string;
  /** The local JWT issuer (`<apiUrl>`; discovery and JWKS under /.well-known/). */
  readonly jwtIssuer: LocalJwtIssuer;
  /** The X-Ray segments the functions and Lambda sent (the local daemon's store). */
  readonly traces: SegmentStore;
  /** Metrics (the functions' EMF and AWS's own), the template's alarms and dashboards. */
  readonly cloudwatch: LocalCloudWatch;
  /** Resolves once no batch is in flight and every mapping has caught up (as the engine reports it). */
  idle(options?: { timeoutMs?: number }): Promise<void>;
  /** The startup banner text. */
  readonly banner: string;
  stop(): Promise<void>;
}

export async function startLocalRuntime<Role extends string = string>(
  options: LocalRuntimeOptions<Role>,
): Promise<LocalRuntime<Role>> {
  const log = options.log ?? ((message: string) => console.log(message));
  const paths = prepareDataDir(options);
  await assertPortsFree(portsOf(options));
  const startup = new Startup();
  try {
    const http = await serveFrontDoor(options, paths, startup);
    const { template, emulators, kinesis, dynamodb } = await synthesizeAndStartEmulators(
      options,
      paths,
      http.url,
      startup,
      log,
    );
    const failedRecordsDir = join(paths.dataDir, 'failed-records');
    const provisioned = await provisionTemplate(template, { kinesis, dynamodb, failedRecordsDir }, log);
    const tables = tablesByRole(provisioned.tables, options.tableRoles);
    startup.components.provisioning = true;

    // Functions put through this proxy: a put is answered only once journaled, and what a crash
    // took from the stream is put back (recover(), below, before anything else puts).
    const kinesisProxy = await DurableKinesisProxy.listen({
      upstream: emulators.kinesisEndpoint,
      kinesis,
      journalPath: join(paths.dataDir, 'kinesis', 'journal.jsonl'),
      log,
    });
    startup.onStop(() => kinesisProxy.stop());

    const definitions = functionDefinitions(template, paths.cdkOutDir);
    const access = await startAccessChecks({
      template,
      definitions,
      options,
      dataDir: paths.dataDir,
      apiUrl: http.url,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      upstreams: { dynamodb: emulators.dynamoDbEndpoint, kinesis: kinesisProxy.endpoint },
      log,
    });
    startup.onStop(() => access.stop());
    startup.frontDoor.authorizer = access.authorizer;
    startup.frontDoor.accessDenials = () => access.local.checker.count;
    startup.frontDoor.handleIssuer = access.issuerHandler;

    const cloudwatch = new LocalCloudWatch({
      template,
      notificationsDir: notificationsDirOf(paths.dataDir),
      periodMs: options.metricPeriodMs,
      log,
    });
    startup.frontDoor.onApiRequest = (request) => cloudwatch.recordApiRequest(request);
    cloudwatch.start();
    startup.onStop(async () => cloudwatch.stop());

    const segments = new SegmentStore();
    const xrayDaemon = await LocalXRayDaemon.listen(segments);
    startup.onStop(() => xrayDaemon.stop());

    const { runner, workerNode } = startFunctions(
      options,
      definitions,
      { access, cloudwatch, xray: { daemonAddress: xrayDaemon.address, traces: new LambdaTraces(segments) } },
      paths.dataDir,
      log,
    );
    startup.frontDoor.runner = runner;
    startup.components.functions = true;
    startup.onStop(() => runner.stop());

    const mapped = await startMappings(
      options,
      { template, definitions, provisioned, runner, kinesis, access, dataDir: paths.dataDir, failedRecordsDir },
      log,
    );
    startup.onStop(() => mapped.engine.stop({ drainTimeoutMs: options.drainTimeoutMs ?? 10_000 }));
    await kinesisProxy.recover();
    startup.components.mappings = true;

    const scheduler = startSchedules(template, runner, options.scheduleEveryMs, log);
    startup.onStop(() => scheduler.stop());

    const freshStartNote =
      options.onFreshStart && (paths.freshData || provisioned.tables.some((table) => table.created))
        ? await options.onFreshStart({ dynamodb, kinesis, tables, provisioned, dataDir: paths.dataDir })
        : undefined;

    startup.frontDoor.handleConsole = consoleHandler(
      consoleSources({
        options: options.console,
        ...mapped,
        tables,
        provisioned,
        kinesis,
        dynamodb,
        traces: segments,
        cloudwatch,
        accessDenials: () => ({ count: access.local.checker.count, recent: access.local.checker.recent }),
      }),
    );

    startup.frontDoor.ready = true;
    const consoleUrl = `${http.url}${CONSOLE_PATH}`;
    const banner = bannerOf(options, {
      apiUrl: http.url,
      consoleUrl,
      emulators,
      dataDir: paths.dataDir,
      provisioned,
      tables,
      functionCount: definitions.length,
      functionNode: workerNode.version,
      mappings: mapped.mappings,
      freshStartNote,
      access,
      api: startup.frontDoor.api as HttpApiDefinition,
      observability: {
        xrayDaemon: xrayDaemon.address,
        alarms: cloudwatch.alarmDefinitions.length,
        dashboards: cloudwatch.dashboards.length,
        notificationsDir: notificationsDirOf(paths.dataDir),
        ...(options.metricPeriodMs ? { metricPeriodMs: options.metricPeriodMs } : {}),
      },
    });
    let stopping: Promise<void> | undefined;
    return {
      apiUrl: http.url,
      consoleUrl,
      kinesisEndpoint: emulators.kinesisEndpoint,
      dynamoDbEndpoint: emulators.dynamoDbEndpoint,
      dataDir: paths.dataDir,
      template,
      provisioned,
      tables,
      mappings: mapped.mappings,
      functions: runner,
      access: access.local,
      principalsFile: access.principalsFile,
      jwtIssuer: access.issuer,
      traces: segments,
      cloudwatch,
      banner,
      idle: (idleOptions) => mapped.engine.idle(idleOptions),
      stop: () => {
        startup.frontDoor.ready = false;
        // Stop taking requests first, then the mappings (in-flight batches finish), workers, emulators.
        stopping ??= http.stop().then(() => startup.stopAll());
        return stopping;
      },
    };
  } catch (error) {
    await startup.stopAll();
    throw error;
  }
}

/** Where a run keeps its data and finds its template. */
interface RuntimePaths {
  readonly projectDir: string;
  readonly dataDir: string;
  readonly cdkOutDir: string;
  readonly stage: string;
  readonly stackName: string;
  /** The data folder was wiped (--fresh). */
  readonly freshData: boolean;
}

function prepareDataDir(options: LocalRuntimeOptions<string>): RuntimePaths {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const dataDir = resolve(options.dataDir ?? join(projectDir, '.orderstream'));
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const stage = options.stage ?? 'local';
  return {
    projectDir,
    dataDir,
    cdkOutDir: resolve(options.cdkOutDir ?? join(projectDir, 'cdk.out')),
    stage,
    stackName: options.stackNameFor(stage),
    freshData: options.fresh === true,
  };
}

function portsOf(options: LocalRuntimeOptions<string>): Parameters<typeof assertPortsFree>[0] {
  return [
    { port: options.port ?? 3000, what: 'HTTP API', hint: '--port / PORT' },
    { port: options.kinesisPort ?? 4568, what: 'kinesis-mock', hint: '--kinesis-port / KINESIS_PORT' },
    { port: options.dynamoDbPort ?? 8000, what: 'DynamoDB Local', hint: '--dynamodb-port / DYNAMODB_PORT' },
  ];
}

/**
 * What a start has brought up so far: the components GET /health reports, the front door's parts
 * that arrive later (it serves /health from the first moment), and what to stop, in reverse order.
 */
class Startup {
  /** Each flips to true once up; GET /health answers 200 only when the runtime is ready. */
  public readonly components = {
    synth: false,
    emulators: false,
    provisioning: false,
    functions: false,
    mappings: false,
  };
  public readonly frontDoor: {
    ready: boolean;
    api?: HttpApiDefinition;
    runner?: FunctionRunner;
    authorizer?: GatewayAuthorizer;
    accessDenials: () => number;
    handleIssuer?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
    handleConsole?: ReturnType<typeof consoleHandler>;
    onApiRequest?: (request: ApiRequestReport) => void;
  } = { ready: false, accessDenials: () => 0 };
  private readonly cleanups: Array<() => Promise<void>> = [];

  public onStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  public async stopAll(): Promise<void> {
    for (let cleanup = this.cleanups.pop(); cleanup; cleanup = this.cleanups.pop()) {
      await cleanup().catch((error: unknown) => console.error('[local] error while stopping:', error));
    }
  }
}

/** The HTTP port, serving /health (503) while the rest comes up, then the API, issuer and console. */
async function serveFrontDoor(
  options: LocalRuntimeOptions<string>,
  paths: RuntimePaths,
  startup: Startup,
): Promise<RunningHttpApi> {
  const door = startup.frontDoor;
  const http = await startHttpApi({
    api: () => door.api,
    accountId: LOCAL_ACCOUNT_ID,
    port: options.port ?? 3000,
    isReady: () => door.ready,
    healthDetails: () => ({
      stack: paths.stackName,
      components: startup.components,
      accessDenials: door.accessDenials(),
    }),
    handlers: [
      async (req, res) => (door.handleIssuer ? door.handleIssuer(req, res) : false),
      async (req, res) => (door.handleConsole ? door.handleConsole(req, res) : false),
    ],
    authorizer: () => door.authorizer,
    onApiRequest: (request) => door.onApiRequest?.(request),
    invoke: async (functionArn, event) =>
      door.ready && door.runner
        ? door.runner.invoke(functionArn, event)
        : { kind: 'error', errorType: 'ServiceUnavailable', errorMessage: 'the local runtime is still starting' },
  });
  startup.onStop(() => http.stop());
  return http;
}

/** `cdk synth` (unless skipped) and the emulators side by side; the template read and its API found. */
async function synthesizeAndStartEmulators(
  options: LocalRuntimeOptions<string>,
  paths: RuntimePaths,
  apiUrl: string,
  startup: Startup,
  log: (message: string) => void,
): Promise<{ template: LocalTemplate; emulators: RunningEmulators; kinesis: KinesisClient; dynamodb: DynamoDBClient }> {
  const { stackName, dataDir, cdkOutDir } = paths;
  log(`[local] synthesizing ${stackName} and starting the emulators (data in ${dataDir})...`);
  // allSettled: a failed synth must not leave emulators starting in the background.
  const [synthesized, started] = await Promise.allSettled([
    options.skipSynth
      ? Promise.resolve(join(cdkOutDir, `${stackName}.template.json`))
      : synthesize({
          projectDir: paths.projectDir,
          stackName,
          stage: paths.stage,
          outDir: cdkOutDir,
          context: {
            ...options.synthContextFor?.(options.synthContext ?? {}, { apiUrl }),
            ...options.synthContext,
          },
        }).then((result) => {
          startup.components.synth = true;
          return result.templatePath;
        }),
    startEmulators({
      dataDir,
      // 0 = let startEmulators pick a free port.
      kinesisPort: (options.kinesisPort ?? 4568) || undefined,
      dynamoDbPort: (options.dynamoDbPort ?? 8000) || undefined,
      output: options.emulatorOutput,
    }).then((running: RunningEmulators) => {
      startup.onStop(() => running.stop());
      startup.components.emulators = true;
      return running;
    }),
  ]);
  if (started.status === 'rejected') throw started.reason;
  if (synthesized.status === 'rejected') throw synthesized.reason;
  const templatePath = synthesized.value;
  if (!existsSync(templatePath)) throw new Error(`${templatePath} not found: run once without --no-synth`);
  const emulators = started.value;
  const kinesis = localKinesisClient(emulators.kinesisEndpoint);
  const dynamodb = localDynamoDbClient(emulators.dynamoDbEndpoint);
  startup.onStop(async () => {
    kinesis.destroy();
    dynamodb.destroy();
  });

  const template = LocalTemplate.fromFile(templatePath, {
    stackName,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
  });
  startup.components.synth = true;
  const api = httpApiDefinition(template);
  if (!api) throw new Error(`${templatePath} declares no AWS::ApiGatewayV2::Api`);
  startup.frontDoor.api = api;
  return { template, emulators, kinesis, dynamodb };
}

/** Creates what the template declares on the emulators (what exists is kept). */
async function provisionTemplate(
  template: LocalTemplate,
  on: { kinesis: KinesisClient; dynamodb: DynamoDBClient; failedRecordsDir: string },
  log: (message: string) => void,
): Promise<ProvisionResult> {
  const provisioned = await provision({ template, ...on });
  log(
    `[local] provisioned ${provisioned.streams.length} stream(s), ${provisioned.consumers.length} consumer(s), ` +
      `${provisioned.tables.length} table(s) (${provisioned.tables.filter((t) => t.created).length} created)`,
  );
  return provisioned;
}

/**
 * The functions' worker pool: each function signs with its own role's key, through the access
 * checks, sends its X-Ray segments to the local daemon and its EMF lines to local CloudWatch, as
 * Lambda's environment does.
 */
function startFunctions(
  options: LocalRuntimeOptions<string>,
  definitions: readonly LocalFunctionDefinition[],
  {
    access,
    cloudwatch,
    xray,
  }: {
    access: Awaited<ReturnType<typeof startAccessChecks>>;
    cloudwatch: LocalCloudWatch;
    xray: { daemonAddress: string; traces: LambdaTraces };
  },
  dataDir: string,
  log: (message: string) => void,
): { runner: FunctionRunner; workerNode: ReturnType<typeof resolveWorkerNode> } {
  const workerNode = resolveWorkerNode();
  const nodeWarning = workerNodeWarning(
    workerNode,
    definitions.map((fn) => fn.runtime),
  );
  if (nodeWarning) log(nodeWarning);
  const runner = new FunctionRunner({
    functions: definitions,
    region: LOCAL_REGION,
    node: workerNode,
    maxConcurrency: options.maxConcurrency,
    // EMF lines are metrics, as CloudWatch Logs extracts them: captured, not printed
    onLog: (line, fn, stream) => {
      if (!cloudwatch.captureLogLine(line)) (options.onFunctionLog ?? defaultLog)(line, fn, stream);
    },
    onInvocation: (fn, event, result, timing) => {
      cloudwatch.recordInvocation(fn, event, result, timing);
      options.onInvocation?.(fn, event, result);
    },
    traces: xray.traces,
    sharedEnvironment: {
      AWS_ENDPOINT_URL_KINESIS: access.endpoints.kinesis,
      AWS_ENDPOINT_URL_DYNAMODB: access.endpoints.dynamodb,
      // What Lambda sets for the X-Ray SDK (lambda-runtime-environment-variables).
      AWS_XRAY_DAEMON_ADDRESS: xray.daemonAddress,
      _AWS_XRAY_DAEMON_ADDRESS: xray.daemonAddress.split(':')[0] ?? '127.0.0.1',
      _AWS_XRAY_DAEMON_PORT: xray.daemonAddress.split(':')[1] ?? '',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    },
    environmentFor: (fn) => ({
      ...access.local.credentialsOf(fn),
      ...options.functionEnvironment?.(fn, dataDir),
    }),
  });
  return { runner, workerNode };
}

/**
 * The template's event-source mappings on the engine, their permissions checked first as
 * CreateEventSourceMapping does, poison records to the on-failure destination's folder.
 */
async function startMappings(
  options: LocalRuntimeOptions<string>,
  from: {
    template: LocalTemplate;
    definitions: readonly LocalFunctionDefinition[];
    provisioned: ProvisionResult;
    runner: FunctionRunner;
    kinesis: KinesisClient;
    access: Awaited<ReturnType<typeof startAccessChecks>>;
    dataDir: string;
    failedRecordsDir: string;
  },
  log: (message: string) => void,
): Promise<{
  engine: EventSourceMappingEngine;
  mappings: MappingConfig[];
  timeline: RecordTimeline;
  consumerName: (functionName: string) => string;
  failedDir: string;
}> {
  const mappings = mappingConfigs(from.template);
  const failedDir = onFailureFolder(mappings, from.provisioned, from.failedRecordsDir, log);
  const serviceNames = new Map(from.definitions.map((fn) => [fn.functionName, fn.serviceName]));
  const consumerName = (functionName: string): string => serviceNames.get(functionName) ?? functionName;
  const timeline = new RecordTimeline(options.console?.describeRecord, consumerName);
  const engine = new EventSourceMappingEngine({
    onRecordOutcome: (report) => timeline.record(report),
    kinesis: from.kinesis,
    invoker: from.runner,
    checkpoints: new FileCheckpointStore(join(from.dataDir, 'checkpoints')),
    failedRecords: new FolderFailedRecordSink(failedDir),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    log,
  });
  assertMappingsPermitted(from.access.local, mappings);
  // Checkpoints past the persisted stream's tip are reset here, before the journal's re-puts.
  await engine.start(mappings);
  return { engine, mappings, timeline, consumerName, failedDir };
}

/** Every schedule of the template (EventBridge rules, Scheduler schedules) on the local scheduler. */
function startSchedules(
  template: LocalTemplate,
  runner: FunctionRunner,
  everyMs: number | undefined,
  log: (message: string) => void,
): LocalScheduler {
  const scheduler = new LocalScheduler({
    schedules: scheduleDefinitions(template),
    invoke: (functionArn, event) => runner.invoke(functionArn, event),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    everyMs,
    log,
  });
  scheduler.start();
  return scheduler;
}

/** The startup banner: where everything is, what was started, the app's hints and the warnings. */
function bannerOf<Role extends string>(
  options: LocalRuntimeOptions<Role>,
  run: {
    apiUrl: string;
    consoleUrl: string;
    emulators: RunningEmulators;
    dataDir: string;
    provisioned: ProvisionResult;
    tables: Readonly<Record<Role, string>>;
    functionCount: number;
    functionNode: string;
    mappings: readonly MappingConfig[];
    freshStartNote: string | undefined;
    access: Awaited<ReturnType<typeof startAccessChecks>>;
    api: HttpApiDefinition;
    observability: BannerInfo['observability'];
  },
): string {
  const { access } = run;
  return startupBanner({
    apiUrl: run.apiUrl,
    consoleUrl: run.consoleUrl,
    kinesisEndpoint: run.emulators.kinesisEndpoint,
    dynamoDbEndpoint: run.emulators.dynamoDbEndpoint,
    dataDir: run.dataDir,
    provisioned: run.provisioned,
    functionCount: run.functionCount,
    functionNode: run.functionNode,
    mappingCount: run.mappings.filter((m) => m.enabled).length,
    freshStartNote: run.freshStartNote,
    hints:
      options.bannerHints?.({
        apiUrl: run.apiUrl,
        tables: run.tables,
        authorizers: access.authorizer !== undefined,
        principals: new Map(access.local.principals.map((principal) => [principal.name, principal])),
        localJwt: (run.api.routes ?? []).some(
          (route) => route.authorization?.type === 'JWT' && route.authorization.issuer === access.issuer.issuer,
        ),
      }) ?? [],
    warnings: access.warnings,
    observability: run.observability,
    access: { ...access.endpoints, principalsFile: access.principalsFile },
  });
}

/**
 * The folder poison records go to: that of the mappings' on-failure bucket (one for all; a second
 * destination is named and written to the first), else `<failedRecordsDir>/default`.
 */
function onFailureFolder(
  mappings: readonly MappingConfig[],
  provisioned: ProvisionResult,
  failedRecordsDir: string,
  log: (message: string) => void,
): string {
  const bucketDirs = new Map(provisioned.buckets.map((bucket) => [`arn:aws:s3:::${bucket.name}`, bucket.arn]));
  const [first, ...others] = new Set(mappings.flatMap((m) => (m.onFailureDestination ? [m.onFailureDestination] : [])));
  const folder = first === undefined ? undefined : bucketDirs.get(first);
  if (others.length > 0) log(`[local] warning: several on-failure destinations; all go to ${folder}`);
  return folder ?? join(failedRecordsDir, 'default');
}

/** The console's data sources: the engine, the timeline, the on-failure folder and the app's additions. */
function consoleSources<Role extends string>(context: {
  options: LocalConsoleOptions<Role> | undefined;
  engine: EventSourceMappingEngine;
  timeline: RecordTimeline;
  consumerName: (functionName: string) => string;
  failedDir: string;
  tables: Readonly<Record<Role, string>>;
  provisioned: ProvisionResult;
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  traces: SegmentStore;
  cloudwatch: LocalCloudWatch;
  accessDenials: ConsoleSources['accessDenials'];
}): ConsoleSources {
  const { options, kinesis, dynamodb, failedDir } = context;
  const countBy = options?.countBy;
  const replay = options?.replay;
  const streamName = context.provisioned.streams[0]?.name;
  return {
    engine: context.engine,
    timeline: context.timeline,
    consumerName: context.consumerName,
    failedDir,
    keyLabel: options?.keyLabel,
    traces: context.traces,
    traceAnnotation: options?.traceAnnotation,
    cloudwatch: context.cloudwatch,
    accessDenials: context.accessDenials,
    statusCounts:
      countBy &&
      (async (): Promise<StatusCounts> => {
        const table = context.tables[countBy.tableRole];
        return { title: countBy.title, table, counts: await countItemsBy(dynamodb, table, countBy.attribute) };
      }),
    replay:
      replay && streamName
        ? async () => {
            // the stream must exist (it always does locally): fail clearly rather than put nowhere
            await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
            return replay({ folder: failedDir, streamName, kinesis });
          }
        : undefined,
  };
}

/** Scans a table for one attribute and counts its values (a local table is small; a scan is fine). */
async function countItemsBy(
  dynamodb: DynamoDBClient,
  table: string,
  attribute: string,
): Promise<{ value: string; count: number }[]> {
  const values: Record<string, unknown>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: '#a',
        ExpressionAttributeNames: { '#a': attribute },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) values.push({ [attribute]: item[attribute]?.S ?? item[attribute]?.N });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return countBy(values, attribute);
}

/** Resolves each role's logical-id prefix to the one table it names. */
export function tablesByRole<Role extends string>(
  tables: readonly Pick<ProvisionedResource, 'logicalId' | 'name'>[],
  roles: Readonly<Record<Role, string>> | undefined,
): Record<Role, string> {
  const byRole = {} as Record<Role, string>;
  for (const [role, prefix] of Object.entries(roles ?? {}) as Array<[Role, string]>) {
    const matches = tables.filter((table) => table.logicalId.startsWith(prefix));
    const [only] = matches;
    if (!only || matches.length > 1)
      throw new Error(
        `table role '${role}': ${matches.length} tables have a logical id starting with '${prefix}' ` +
          `(need exactly one; tables: ${tables.map((t) => t.logicalId).join(', ')})`,
      );
    byRole[role] = only.name;
  }
  return byRole;
}
