import type { ProvisionResult } from './provision';

/** A valid POST /orders body for the demo catalog. */
export const DEMO_ORDER = {
  customerId: 'c-1',
  email: 'ada@example.com',
  items: [{ sku: 'SKU-COFFEE', quantity: 2 }],
  shippingAddress: {
    name: 'Ada Lovelace',
    line1: '1 Analytical St',
    city: 'London',
    postalCode: 'N1 1AA',
    country: 'GB',
  },
};
const DEMO_ORDER_JSON = JSON.stringify(DEMO_ORDER);

/** The startup banner: where everything listens and how to look at it with the AWS CLI. */
export interface BannerInfo {
  readonly apiUrl: string;
  readonly kinesisEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly dataDir: string;
  readonly provisioned: ProvisionResult;
  readonly functionCount: number;
  readonly mappingCount: number;
  readonly demoCatalogLoaded: boolean;
}

export function startupBanner(info: BannerInfo): string {
  const stream = info.provisioned.streams[0]?.name ?? '<stream>';
  const orders = info.provisioned.tables.find((t) => t.logicalId.startsWith('Orders'))?.name ?? '<table>';
  const cli = 'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 aws';
  return [
    '',
    'orderstream is running locally',
    `  HTTP API          ${info.apiUrl}   (GET ${info.apiUrl}/health)`,
    `  Kinesis           ${info.kinesisEndpoint}   stream ${stream}`,
    `  DynamoDB          ${info.dynamoDbEndpoint}   tables ${info.provisioned.tables.map((t) => t.name).join(', ')}`,
    `  functions         ${info.functionCount}, event-source mappings ${info.mappingCount}`,
    `  data              ${info.dataDir}${info.demoCatalogLoaded ? '   (fresh: demo catalog loaded)' : ''}`,
    '',
    'Try:',
    `  curl -s ${info.apiUrl}/inventory/SKU-COFFEE`,
    `  curl -s -X POST ${info.apiUrl}/orders -H 'content-type: application/json' \\`,
    `       -d '${DEMO_ORDER_JSON}'`,
    `  curl -s ${info.apiUrl}/orders/<orderId>`,
    `  ${cli} --endpoint-url ${info.kinesisEndpoint} kinesis describe-stream-summary --stream-name ${stream}`,
    `  ${cli} --endpoint-url ${info.kinesisEndpoint} kinesis list-stream-consumers --stream-arn ${info.provisioned.streams[0]?.arn ?? '<arn>'}`,
    `  ${cli} --endpoint-url ${info.dynamoDbEndpoint} dynamodb list-tables`,
    `  ${cli} --endpoint-url ${info.dynamoDbEndpoint} dynamodb scan --table-name ${orders}`,
    '',
    'Ctrl-C stops everything (checkpoints and data are kept; `npm start -- --fresh` starts over).',
    '',
  ].join('\n');
}
