import type { Logger } from '@aws-lambda-powertools/logger';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { traceHandler } from '../runtime/handler-tracing';
import type { powertoolsIdempotency } from './idempotency';
import { OrderApi, type OrderApiDependencies } from './order-api';
import { createRouter } from './router';
import { apiRoutes } from './routes';

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ApiFunctionDeps extends Omit<OrderApiDependencies, 'idempotent' | 'traceId'> {
  /** Idempotency-Key of POST /orders (Powertools idempotency on its table). */
  readonly idempotency: ReturnType<typeof powertoolsIdempotency>;
  readonly logger: Pick<Logger, 'addContext' | 'info' | 'warn' | 'error'>;
  /** The records a request starts name its trace; route and orderId are annotated for search. */
  readonly tracer: Tracer;
}

/** The API function (HTTP API, payload format 2.0): routes, idempotency, ownership, problem+json. */
export function createApiHandler(deps: ApiFunctionDeps): ApiHandler {
  const { idempotency, logger, tracer, ...apiDeps } = deps;
  const api = new OrderApi({
    ...apiDeps,
    idempotent: idempotency.run,
    // undefined when not traced (e.g. locally)
    traceId: () => tracer.getRootXrayTraceId(),
  });
  const route = createRouter(apiRoutes(api), logger);

  // Annotations land on the `## handler` subsegment (the facade segment takes none).
  return traceHandler(tracer, async (event, context) => {
    logger.addContext(context);
    tracer.putAnnotation('route', event.routeKey);
    idempotency.registerContext(context);
    const response = await route(event, context);
    const orderId = orderIdOf(event, response);
    // Searchable in X-Ray (annotation.orderId) and Logs Insights (the order-journey query).
    if (orderId) tracer.putAnnotation('orderId', orderId);
    logger.info('request handled', { routeKey: event.routeKey, statusCode: response.statusCode, orderId });
    return response;
  });
}

/** The order a request was about: its path parameter, or the Location of the order it created. */
function orderIdOf(event: APIGatewayProxyEventV2, response: APIGatewayProxyStructuredResultV2): string | undefined {
  const fromPath = event.pathParameters?.orderId;
  if (fromPath) return fromPath;
  const orderInLocation = /^\/orders\/([^/]+)$/.exec(String(response.headers?.location ?? ''))?.[1];
  return orderInLocation ? decodeURIComponent(orderInLocation) : undefined;
}
