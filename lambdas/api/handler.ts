import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbInventory } from '../adapters/dynamodb-inventory';
import { DynamoDbOrderReadModel } from '../adapters/dynamodb-order-read-model';
import { eventPublisherFromEnv } from '../adapters/kinesis-event-publisher';
import { documentClient, dynamoDbClient } from '../runtime/aws-clients';
import { tableName } from '../runtime/config';
import { traceHandler } from '../runtime/handler-tracing';
import { logger, tracer } from '../runtime/powertools';
import { powertoolsIdempotency } from './idempotency';
import { OrderApi } from './order-api';
import { createRouter } from './router';
import { apiRoutes } from './routes';

/** The API function (HTTP API, payload format 2.0): wiring only. */
const idempotency = powertoolsIdempotency({ tableName: tableName('idempotency'), client: dynamoDbClient() });
const api = new OrderApi({
  catalog: new DynamoDbInventory(documentClient(), { tableName: tableName('inventory') }),
  orders: new DynamoDbOrderReadModel(documentClient(), tableName('orders')),
  publisher: eventPublisherFromEnv(),
  idempotent: idempotency.run,
  // The records this request starts name its trace (undefined when not traced, e.g. locally).
  traceId: () => tracer.getRootXrayTraceId(),
});
const route = createRouter(apiRoutes(api), logger);

/** Annotations land on the `## handler` subsegment (the facade segment takes none). */
export const handler = traceHandler(
  tracer,
  async (event: APIGatewayProxyEventV2, context): Promise<APIGatewayProxyStructuredResultV2> => {
    logger.addContext(context);
    tracer.putAnnotation('route', event.routeKey);
    idempotency.registerContext(context);
    const response = await route(event, context);
    const orderId = orderIdOf(event, response);
    // Searchable in X-Ray (annotation.orderId) and Logs Insights (the order-journey query).
    if (orderId) tracer.putAnnotation('orderId', orderId);
    logger.info('request handled', { routeKey: event.routeKey, statusCode: response.statusCode, orderId });
    return response;
  },
);

/** The order a request was about: its path parameter, or the Location of the order it created. */
function orderIdOf(event: APIGatewayProxyEventV2, response: APIGatewayProxyStructuredResultV2): string | undefined {
  const fromPath = event.pathParameters?.orderId;
  if (fromPath) return fromPath;
  const location = /^\/orders\/([^/]+)$/.exec(String(response.headers?.location ?? ''));
  return location ? decodeURIComponent(location[1]) : undefined;
}
