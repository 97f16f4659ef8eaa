import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { parseFaultRate } from '../lambdas/runtime/fault-injection';
import { type ApiAuthMode, checkRouteScopes, type RouteScopes } from './constructs/order-api';
import {
  DEFAULT_STAGE,
  faultRateAllowed,
  LOCAL_STAGE,
  type OrderstreamStackProps,
  type StreamEncryptionMode,
} from './orderstream-stack';

/** The stack name of a stage, for the CDK app (bin/app.ts) and the local runtime (bin/local-app.ts) alike. */
export const stackNameForStage = (stage: string): string => `Orderstream-${stage}`;

/**
 * CDK context keys read by bin/app.ts (`npx cdk synth -c stage=prod -c apiAuth=JWT ...`, or the
 * "context" block of cdk.json). Each maps to one OrderstreamStack prop; unset = the prop's default.
 */
export const CONTEXT_KEYS = {
  stage: 'stage',
  streamRetentionHours: 'streamRetentionHours',
  streamEncryption: 'streamEncryption',
  emailSender: 'emailSender',
  apiAuth: 'apiAuth',
  jwtIssuer: 'jwtIssuer',
  jwtAudience: 'jwtAudience',
  /** JSON object: customer route key -> its JWT scopes, e.g. '{"POST /orders":["orders/write"]}' (apiAuth JWT only). */
  jwtRouteScopes: 'jwtRouteScopes',
  alarmEmail: 'alarmEmail',
  batchSize: 'batchSize',
  maxBatchingWindowSeconds: 'maxBatchingWindowSeconds',
  maxRetryAttempts: 'maxRetryAttempts',
  maxRecordAgeSeconds: 'maxRecordAgeSeconds',
  parallelizationFactor: 'parallelizationFactor',
  apiRateLimit: 'apiRateLimit',
  apiBurstLimit: 'apiBurstLimit',
  failedRecordsExpirationDays: 'failedRecordsExpirationDays',
  retainData: 'retainData',
  sagaStepTimeoutSeconds: 'sagaStepTimeoutSeconds',
  sagaMaxRedrives: 'sagaMaxRedrives',
  /** Local-only (stage 'local'): share of records the consumers fail on purpose, 0..0.5. */
  faultInjectionRate: 'faultInjectionRate',
} as const;

/** Reads one context value; `undefined` when unset or empty. */
export type ContextReader = (key: string) => unknown;

/**
 * Turns CDK context values (strings from `-c`, or JSON values from cdk.json) into stack props.
 * Throws an Error naming the key on a malformed value; range checks are the stack's job.
 */
export function propsFromContext(read: ContextReader): OrderstreamStackProps {
  const str = (key: string): string | undefined => {
    const value = read(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`context '${key}' must be a string, number or boolean; got ${JSON.stringify(value)}`);
    }
    return String(value).trim();
  };
  const num = (key: string): number | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new Error(`context '${key}' must be a number; got '${value}'`);
    return parsed;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    const upper = value.toUpperCase() as T;
    if (!allowed.includes(upper))
      throw new Error(`context '${key}' must be one of ${allowed.join(', ')}; got '${value}'`);
    return upper;
  };
  const bool = (key: string): boolean | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new Error(`context '${key}' must be true or false; got '${value}'`);
  };
  /** A JSON object: a string from `-c`, or an object from cdk.json. */
  const routeScopes = (key: string): RouteScopes | undefined => {
    const value = read(key);
    if (value === undefined || value === null || value === '') return undefined;
    let parsed = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value);
      } catch (error) {
        throw new Error(
          `context '${key}' must be JSON, e.g. '{"POST /orders":["orders/write"]}'; got '${value}': ${(error as Error).message}`,
        );
      }
    }
    return checkRouteScopes(parsed, `context '${key}'`);
  };
  const seconds = (key: string): Duration | undefined => {
    const value = num(key);
    return value === undefined ? undefined : Duration.seconds(value);
  };

  const retentionHours = num(CONTEXT_KEYS.streamRetentionHours);
  const expirationDays = num(CONTEXT_KEYS.failedRecordsExpirationDays);
  const retainData = bool(CONTEXT_KEYS.retainData);
  const audience = str(CONTEXT_KEYS.jwtAudience);
  const stage = str(CONTEXT_KEYS.stage);
  const apiAuth = oneOf<ApiAuthMode>(CONTEXT_KEYS.apiAuth, ['IAM', 'JWT']);
  const jwtRouteScopes = routeScopes(CONTEXT_KEYS.jwtRouteScopes);
  if (jwtRouteScopes !== undefined && apiAuth !== 'JWT') {
    throw new Error(
      `context '${CONTEXT_KEYS.jwtRouteScopes}' sets JWT scopes and needs -c ${CONTEXT_KEYS.apiAuth}=JWT; ` +
        `got ${CONTEXT_KEYS.apiAuth} '${apiAuth ?? 'IAM'}' (AWS_IAM routes have no scopes)`,
    );
  }
  const faultRateText = str(CONTEXT_KEYS.faultInjectionRate);
  const faultRate =
    faultRateText === undefined
      ? undefined
      : parseFaultRate(faultRateText, `context '${CONTEXT_KEYS.faultInjectionRate}'`);
  if (faultRate !== undefined && !faultRateAllowed(faultRate, stage ?? DEFAULT_STAGE)) {
    throw new Error(
      `context '${CONTEXT_KEYS.faultInjectionRate}' fails records on purpose and is refused for stage ` +
        `'${stage ?? DEFAULT_STAGE}': it is only allowed with -c ${CONTEXT_KEYS.stage}=${LOCAL_STAGE}`,
    );
  }
  return {
    stageName: stage,
    streamRetention: retentionHours === undefined ? undefined : Duration.hours(retentionHours),
    streamEncryption: oneOf<StreamEncryptionMode>(CONTEXT_KEYS.streamEncryption, ['CUSTOMER_MANAGED', 'AWS_MANAGED']),
    emailSender: str(CONTEXT_KEYS.emailSender),
    apiAuth,
    jwtIssuer: str(CONTEXT_KEYS.jwtIssuer),
    jwtAudience: audience === undefined ? undefined : audience.split(',').map((a) => a.trim()),
    jwtRouteScopes,
    alarmEmail: str(CONTEXT_KEYS.alarmEmail),
    mapping: {
      batchSize: num(CONTEXT_KEYS.batchSize),
      maxBatchingWindow: seconds(CONTEXT_KEYS.maxBatchingWindowSeconds),
      maxRetryAttempts: num(CONTEXT_KEYS.maxRetryAttempts),
      maxRecordAge: seconds(CONTEXT_KEYS.maxRecordAgeSeconds),
      parallelizationFactor: num(CONTEXT_KEYS.parallelizationFactor),
    },
    apiThrottlingRateLimit: num(CONTEXT_KEYS.apiRateLimit),
    apiThrottlingBurstLimit: num(CONTEXT_KEYS.apiBurstLimit),
    failedRecordsExpiration: expirationDays === undefined ? undefined : Duration.days(expirationDays),
    dataRemovalPolicy: retainData === false ? RemovalPolicy.DESTROY : undefined,
    sagaStepTimeout: seconds(CONTEXT_KEYS.sagaStepTimeoutSeconds),
    sagaMaxRedrives: num(CONTEXT_KEYS.sagaMaxRedrives),
    faultInjectionRate: faultRate,
  };
}
