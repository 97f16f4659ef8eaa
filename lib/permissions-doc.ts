import {
  ALL_SERVICES,
  CONSUMER_SERVICES,
  FAILED_RECORDS_PREFIX,
  OTHER_GRANTS,
  type ServiceDefinition,
} from './services';

/** Markers around the generated block in README.md. */
export const PERMISSIONS_START = '<!-- permissions:start -->';
export const PERMISSIONS_END = '<!-- permissions:end -->';
/** The command that rewrites the block (named by the README test when it is stale). */
export const PERMISSIONS_COMMAND = 'npm run docs:permissions';

const list = (actions: readonly string[]): string => actions.map((action) => `\`${action}\``).join(', ');

function dynamoDbCell(service: ServiceDefinition): string {
  return service.tables
    .map((access) => {
      const target = access.index ? `${access.table} (index ${access.index})` : access.table;
      const condition = access.leadingKeyPrefix ? ` — keys \`${access.leadingKeyPrefix}*\` only` : '';
      return `**${target}**: ${list(access.actions.map((action) => `dynamodb:${action}`))}${condition}`;
    })
    .join('<br>');
}

function otherCells(service: ServiceDefinition): [string, string, string, string] {
  const consumes = CONSUMER_SERVICES.includes(service);
  const onStream = [...(consumes ? OTHER_GRANTS.streamRead : []), ...(service.publishes ? OTHER_GRANTS.publish : [])];
  const stream = [
    ...(consumes ? [`own consumer: ${list(OTHER_GRANTS.ownConsumer)}`] : []),
    ...(onStream.length > 0 ? [`stream: ${list(onStream)}`] : []),
  ];
  const kms = [...(consumes ? OTHER_GRANTS.decrypt : []), ...(service.publishes ? OTHER_GRANTS.encrypt : [])];
  const s3 = consumes
    ? [
        `\`${FAILED_RECORDS_PREFIX}*\`: ${list(OTHER_GRANTS.failedRecordsPut)}`,
        `bucket: ${list(OTHER_GRANTS.failedRecordsList)}`,
      ]
    : [];
  const ses = service.sendsEmail ? `${list(OTHER_GRANTS.sendEmail)} (From = \`emailSender\`, only when set)` : '—';
  return [stream.join('<br>') || '—', kms.length > 0 ? list(kms) : '—', s3.join('<br>') || '—', ses];
}

/**
 * README's permissions table, rendered from lib/services.ts (the declaration the stack grants
 * from): function → DynamoDB table/index → actions, then the stream, KMS, S3 and SES grants.
 */
export function renderPermissionsTable(services: readonly ServiceDefinition[] = ALL_SERVICES): string {
  const rows = services.map((service) =>
    [`\`${service.name}\``, dynamoDbCell(service) || '—', ...otherCells(service)].join(' | '),
  );
  return [
    `<!-- generated from lib/services.ts by \`${PERMISSIONS_COMMAND}\`: do not edit by hand -->`,
    '',
    'Every function also writes its own log group (`logs:CreateLogStream`, `logs:PutLogEvents`) and X-Ray traces. ' +
      'KMS grants are on the customer-managed stream key (none with `AWS_MANAGED`) and only through Kinesis ' +
      '(`kms:ViaService` = `kinesis.<region>.amazonaws.com`).',
    '',
    '| Function | DynamoDB (table → actions) | Kinesis | KMS (stream key) | S3 (failed records) | SES |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** `readme` with the block between the markers replaced by `block`; throws if a marker is missing. */
export function replacePermissionsBlock(readme: string, block: string): string {
  const start = readme.indexOf(PERMISSIONS_START);
  const end = readme.indexOf(PERMISSIONS_END);
  if (start < 0 || end < start) throw new Error(`README: missing ${PERMISSIONS_START} ... ${PERMISSIONS_END} markers`);
  return `${readme.slice(0, start + PERMISSIONS_START.length)}\n${block}\n${readme.slice(end)}`;
}
