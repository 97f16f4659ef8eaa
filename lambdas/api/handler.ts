import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DynamoDbInventory } from '../adapters/dynamodb-inventory';
import { DynamoDbOrderReadModel } from '../adapters/dynamodb-order-read-model';
import { eventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient, dynamoDbClient } from '../shared/aws-clients';
import { requiredEnv } from '../shared/config';
import { logger, tracer } from '../shared/powertools';
import { powertoolsIdempotency } from './idempotency';
import { OrderApi } from './order-api';
import { createRouter } from './router';
import { apiRoutes } from './routes';

/** The API function (HTTP API, payload format 2.0): wiring only. */
const idempotency = powertoolsIdempotency({ tableName: requiredEnv('IDEMPOTENCY_TABLE'), client: dynamoDbClient() });
const api = new OrderApi({
  catalog: new DynamoDbInventory(documentClient(), { tableName: requiredEnv('INVENTORY_TABLE') }),
  orders: new DynamoDbOrderReadModel(documentClient(), requiredEnv('ORDERS_TABLE')),
  publisher: eventPublisherFromEnv(),
  idempotent: idempotency.run,
});
const route = createRouter(apiRoutes(api), logger);

export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.addContext(context);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  tracer.putAnnotation('route', event.routeKey);
  idempotency.registerContext(context);
  return route(event, context);
};
