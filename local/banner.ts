import type { ProvisionResult } from './provision';

/** The startup banner: where everything listens and how to look at it with the AWS CLI. */
export interface BannerInfo {
  readonly apiUrl: string;
  /** The local console's page. @default none */
  readonly consoleUrl?: string;
  readonly kinesisEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly dataDir: string;
  readonly provisioned: ProvisionResult;
  readonly functionCount: number;
  /** The Node version the function workers run on. */
  readonly functionNode: string;
  readonly mappingCount: number;
  /** What the app's fresh start hook did (e.g. 'demo catalog loaded'). @default none */
  readonly freshStartNote?: string;
  /** The app's own "Try:" lines (requests against its API), shown before the AWS CLI ones. @default none */
  readonly hints?: readonly string[];
  /** Lines shown as warnings under the header (e.g. authorizers off). @default none */
  readonly warnings?: readonly string[];
  /** X-Ray and CloudWatch as emulated: the daemon's address, alarms and dashboards evaluated, where notifications go. @default none */
  readonly observability?: {
    readonly xrayDaemon: string;
    readonly alarms: number;
    readonly dashboards: number;
    readonly notificationsDir: string;
    readonly metricPeriodMs?: number;
  };
  /** The endpoints that authorize calls as a principal's, and the file with the principals' keys. @default none */
  readonly access?: { readonly dynamodb: string; readonly kinesis: string; readonly principalsFile: string };
}

export function startupBanner(info: BannerInfo): string {
  const stream = info.provisioned.streams[0]?.name ?? '<stream>';
  const table = info.provisioned.tables[0]?.name ?? '<table>';
  const cli = 'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 aws';
  return [
    '',
    'orderstream is running locally',
    `  HTTP API          ${info.apiUrl}   (GET ${info.apiUrl}/health)`,
    ...(info.consoleUrl
      ? [`  console           ${info.consoleUrl}   (open in a browser; 127.0.0.1 only, no authentication)`]
      : []),
    `  Kinesis           ${info.kinesisEndpoint}   stream ${stream}`,
    `  DynamoDB          ${info.dynamoDbEndpoint}   tables ${info.provisioned.tables.map((t) => t.name).join(', ')}`,
    `  functions         ${info.functionCount} on Node v${info.functionNode}, event-source mappings ${info.mappingCount}`,
    `  data              ${info.dataDir}${info.freshStartNote ? `   (fresh: ${info.freshStartNote})` : ''}`,
    ...(info.observability
      ? [
          `  X-Ray             daemon udp://${info.observability.xrayDaemon} (functions with active tracing; every invocation sampled)`,
          `  CloudWatch        ${info.observability.alarms} alarm(s) evaluated${info.observability.metricPeriodMs ? ` with every period ${info.observability.metricPeriodMs} ms` : ''}, ` +
            `${info.observability.dashboards} dashboard(s) drawn in the console; notifications in ${info.observability.notificationsDir}`,
          '                    (not emulated: composite and anomaly-detection alarms, metric math beyond + - * / ^ FILL, log retention)',
        ]
      : []),
    ...(info.access
      ? [
          `  as a role         DynamoDB ${info.access.dynamodb}, Kinesis ${info.access.kinesis}`,
          `                    (calls checked against the role of the key; keys in ${info.access.principalsFile})`,
        ]
      : []),
    ...(info.warnings ?? []).map((line) => `  WARNING: ${line}`),
    '',
    'Try:',
    ...(info.hints ?? []).map((line) => `  ${line}`),
    `  ${cli} --endpoint-url ${info.kinesisEndpoint} kinesis describe-stream-summary --stream-name ${stream}`,
    `  ${cli} --endpoint-url ${info.kinesisEndpoint} kinesis list-stream-consumers --stream-arn ${info.provisioned.streams[0]?.arn ?? '<arn>'}`,
    `  ${cli} --endpoint-url ${info.dynamoDbEndpoint} dynamodb list-tables`,
    `  ${cli} --endpoint-url ${info.dynamoDbEndpoint} dynamodb scan --table-name ${table}`,
    '',
    'Ctrl-C stops everything (checkpoints and data are kept; `npm start -- --fresh` starts over).',
    '',
  ].join('\n');
}
