import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Repository root (lib/constructs/ -> ../..): entries and the lock file are resolved from it. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Service names are kebab/lower case: they name the entry folder and the Powertools service. */
const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

/** CloudWatch namespace of the functions' Powertools (EMF) metrics; dimension `service`. */
export const METRICS_NAMESPACE = 'orderstream';

/**
 * How every function is bundled (esbuild, locally, no Docker). Each bundle stays under 450 KB
 * minified (test/unit/lambdas/runtime/bundle-size.test.ts): zod is imported as a namespace
 * (`import * as z from 'zod'`) so its unused locales are dropped.
 */
export const FUNCTION_BUNDLING = {
  minify: true,
  sourceMap: true,
  target: 'node22',
  format: OutputFormat.CJS,
  forceDockerBundling: false,
  logLevel: LogLevel.WARNING,
  // The AWS SDK v3 ships with the nodejs22.x runtime.
  externalModules: ['@aws-sdk/*'],
  // ESM builds first where a package has both: esbuild drops what is never imported from them
  // (@smithy/node-http-handler's CJS build carries ~110 KB of @smithy/core we do not use).
  mainFields: ['module', 'main'],
} as const satisfies BundlingOptions;

export interface ServiceFunctionProps {
  /**
   * Service name. Selects the entry `lambdas/<service>/handler.ts` (unless `entry` is given)
   * and becomes `POWERTOOLS_SERVICE_NAME`, which the local runtime also uses to name the function.
   */
  readonly service: string;

  /**
   * Path of the handler module (exporting `handler`).
   * @default - `<project root>/lambdas/<service>/handler.ts`
   */
  readonly entry?: string;

  /**
   * Extra environment variables (table names, stream name, ...).
   * The Powertools variables and NODE_OPTIONS are always set by this construct.
   * @default - none
   */
  readonly environment?: Record<string, string>;

  /**
   * Function timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Memory in MiB (CPU scales with it).
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Retention of the function's explicit log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * `POWERTOOLS_LOG_LEVEL` of the function.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

  /**
   * Human readable description of the function.
   * @default - `orderstream <service> service`
   */
  readonly description?: string;
}

/**
 * The one place that fixes the defaults of every orderstream Lambda function:
 * Node.js 22 on ARM64, active X-Ray tracing, an explicit log group with retention,
 * esbuild bundling (minified, source maps, target node22, no Docker), Powertools env vars,
 * and a dedicated role without managed policies: it may only write to its own log group
 * and X-Ray; everything else is granted by the caller, resource by resource.
 */
export class ServiceFunction extends Construct {
  /** The bundled function. */
  public readonly function: NodejsFunction;
  /** The function's execution role (no managed policies attached). */
  public readonly role: iam.Role;
  /** The function's log group (explicit, with retention). */
  public readonly logGroup: logs.LogGroup;
  /** The service name (`POWERTOOLS_SERVICE_NAME`). */
  public readonly service: string;

  public constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    if (!SERVICE_NAME_PATTERN.test(props.service)) {
      throw new Error(
        `ServiceFunction: service must match ${SERVICE_NAME_PATTERN} (lower case, starts with a letter); got '${props.service}'`,
      );
    }
    const memorySize = props.memorySize ?? 512;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
      throw new Error(
        `ServiceFunction(${props.service}): memorySize must be an integer in 128..10240 MiB; got ${memorySize}`,
      );
    }
    this.service = props.service;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs have their own retention; keeping the group after a teardown only costs money.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Own role instead of AWSLambdaBasicExecutionRole (which allows writing to any log group).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the orderstream ${props.service} function`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const entry = props.entry ?? path.join(PROJECT_ROOT, 'lambdas', props.service, 'handler.ts');
    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize,
      role: this.role,
      logGroup: this.logGroup,
      description: props.description ?? `orderstream ${props.service} service`,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: FUNCTION_BUNDLING,
    });

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the X-Ray statement added by Tracing.ACTIVE (xray:PutTraceSegments, xray:PutTelemetryRecords) is on "*": ' +
          'X-Ray does not support resource-level permissions for these actions.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is pinned on purpose: it is the runtime the handlers, their bundling target (node22) and the local ' +
          'runtime are built and tested for; moving to nodejs24.x is a deliberate, tested change of this one construct.',
      },
    );
  }
}
