import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MAX_AVAILABLE } from '../domain/inventory';
import { PublishError } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import { entityTag, HttpProblem, type ProblemInit, ProblemType, problemResponse, validationProblem } from './http';
import {
  CustomerIdRequiredError,
  CustomerMismatchError,
  OrderNotCancellableError,
  OrderNotFoundError,
  OrderNotRecordedError,
  OrderTotalTooLargeError,
  SkuNotFoundError,
  StockOutOfRangeError,
  StockPreconditionError,
  UnknownSkuError,
} from './order-api';

/** What a route handler gets: the raw event and the path parameters of its template. */
export interface ApiRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly params: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: ApiRequest) => Promise<APIGatewayProxyStructuredResultV2>;

/** Route handlers by API Gateway route key, e.g. `'GET /orders/{orderId}'`. */
export type Routes = Readonly<Record<string, RouteHandler>>;

/** Seconds a client should wait before retrying after a 503 (stream unavailable). */
export const PUBLISH_RETRY_AFTER_SECONDS = 2;
/** Seconds a client should wait before retrying a request whose key is in progress. */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/**
 * The one place that turns requests into route calls and outcomes into responses:
 * dispatch on `routeKey` (payload format 2.0; falls back to matching method + path
 * against the templates when the key is `$default`), and map every error once:
 * HttpProblem as is, the use cases' domain errors, idempotency errors, PublishError
 * (503 + Retry-After), anything else 500 without internals (logged with the error).
 */
export function createRouter(
  routes: Routes,
  log: Pick<Log, 'error' | 'warn'>,
): (
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, 'awsRequestId'>,
) => Promise<APIGatewayProxyStructuredResultV2> {
  const templates = Object.keys(routes).map((routeKey) => compileTemplate(routeKey));
  return async (event, context) => {
    const instance = event.rawPath;
    try {
      const match = findRoute(event, routes, templates);
      if (!match) {
        const method = event.requestContext?.http?.method ?? '?';
        throw new HttpProblem({ status: 404, title: 'Not Found', detail: `no route for ${method} ${event.rawPath}` });
      }
      return await match.handler({ event, params: match.params });
    } catch (error) {
      const problem = toProblem(error);
      if (problem) {
        if (problem.status >= 500) log.warn('request failed', { status: problem.status, error: error as Error });
        return problemResponse(problem, instance);
      }
      const requestId = context?.awsRequestId ?? event.requestContext?.requestId;
      log.error('unhandled error', { routeKey: event.routeKey, path: event.rawPath, requestId, error: error as Error });
      return problemResponse(
        {
          status: 500,
          title: 'Internal Server Error',
          detail: 'An unexpected error occurred. It has been logged; quote the requestId when reporting it.',
        },
        instance,
        requestId ? { requestId } : {},
      );
    }
  };
}

/** Maps known errors to problems; undefined for the unexpected (-> 500). */
export function toProblem(error: unknown): ProblemInit | undefined {
  if (error instanceof HttpProblem) return error.problem;
  if (error instanceof UnknownSkuError) {
    return {
      status: 422,
      type: ProblemType.unknownSku,
      title: 'Unknown SKU',
      detail: `the catalogue does not know ${error.unknown.map(({ sku }) => `'${sku}'`).join(', ')}`,
      errors: error.unknown.map(({ sku, index }) => ({ path: `items.${index}.sku`, message: `unknown SKU '${sku}'` })),
    };
  }
  if (error instanceof CustomerMismatchError) {
    return {
      status: 403,
      type: ProblemType.customerMismatch,
      title: 'Customer mismatch',
      detail:
        `customerId '${error.requested}' is not the customer the token names: orders are placed for the token's ` +
        'subject (sub). Leave customerId out, or send the subject',
      errors: [{ path: 'customerId', message: "must be the token's subject (sub), or left out" }],
    };
  }
  if (error instanceof CustomerIdRequiredError) {
    return validationProblem([{ path: 'customerId', message: error.message }]).problem;
  }
  if (error instanceof OrderNotFoundError) {
    return {
      status: 404,
      type: ProblemType.orderNotFound,
      title: 'Order not found',
      detail: `no order with id '${error.orderId}'`,
    };
  }
  if (error instanceof SkuNotFoundError) {
    return {
      status: 404,
      type: ProblemType.skuNotFound,
      title: 'SKU not found',
      detail: `no catalogue entry for SKU '${error.sku}'`,
    };
  }
  if (error instanceof OrderNotCancellableError) {
    return {
      status: 409,
      type: ProblemType.orderNotCancellable,
      title: 'Order can no longer be cancelled',
      detail: `order '${error.orderId}' is ${error.status}; only orders that have not shipped can be cancelled`,
    };
  }
  if (error instanceof OrderNotRecordedError) return orderNotRecordedProblem(error);
  if (error instanceof PublishError) {
    return {
      status: 503,
      type: ProblemType.streamUnavailable,
      title: 'Service temporarily unavailable',
      detail: error.mayHaveBeenAccepted
        ? 'the order stream did not confirm the request in time: it may have been recorded. ' +
          'Retry after the Retry-After delay; repeating a cancellation request is harmless'
        : 'the request could not be recorded on the order stream; nothing was accepted. Retry after the Retry-After delay',
      headers: { 'retry-after': String(PUBLISH_RETRY_AFTER_SECONDS) },
      extensions: { mayHaveBeenRecorded: error.mayHaveBeenAccepted },
    };
  }
  if (error instanceof OrderTotalTooLargeError) {
    return {
      status: 422,
      type: ProblemType.orderTotalTooLarge,
      title: 'Order total too large',
      detail: `the order totals ${error.totalCents} cents; the most one order may total is ${error.maxCents} cents`,
      extensions: { totalCents: error.totalCents, maxTotalCents: error.maxCents },
    };
  }
  if (error instanceof StockPreconditionError) return stockPreconditionProblem(error);
  if (error instanceof StockOutOfRangeError) {
    const { current, delta } = error;
    return {
      status: 409,
      type: ProblemType.stockOutOfRange,
      title: 'Adjustment out of range',
      detail:
        `SKU '${current.sku}' has ${current.available} available; adding ${delta} would leave 0..${MAX_AVAILABLE}. ` +
        'Nothing was changed',
      headers: { etag: entityTag(current.version) },
      extensions: { available: current.available },
    };
  }
  const name = (error as Error | undefined)?.name;
  if (name === 'IdempotencyValidationError') {
    return {
      status: 422,
      type: ProblemType.idempotencyKeyReused,
      title: 'Idempotency-Key reused with a different request',
      detail: 'this Idempotency-Key was already used with a different request body; use a new key for a new order',
    };
  }
  if (name === 'IdempotencyAlreadyInProgressError' || name === 'IdempotencyInconsistentStateError') {
    return {
      status: 409,
      type: ProblemType.requestInProgress,
      title: 'Request in progress',
      detail: 'a request with this Idempotency-Key is still being processed; retry after a moment to get its result',
      headers: { 'retry-after': String(IN_PROGRESS_RETRY_AFTER_SECONDS) },
    };
  }
  return undefined;
}

/**
 * The 503 of POST /orders says truthfully whether the order may exist, under which orderId,
 * and how to retry: with the same Idempotency-Key a retry returns that order or places it,
 * never a second one.
 */
function orderNotRecordedProblem(error: OrderNotRecordedError): ProblemInit {
  const { orderId, mayExist, withIdempotencyKey } = error;
  const state = mayExist
    ? `the order stream did not confirm order '${orderId}' in time: the order may exist.`
    : `the order stream refused order '${orderId}': it was not placed.`;
  const retry = withIdempotencyKey
    ? ' Retry with the same Idempotency-Key and the same body: the retry returns that order if it exists ' +
      'and places it if it does not, never a second one.'
    : mayExist
      ? ` A retry without an Idempotency-Key places another order; GET /orders/${orderId} shows this one within` +
        ' seconds if it exists. Send an Idempotency-Key to make retries safe.'
      : ' Retry later; send an Idempotency-Key to make retries safe.';
  return {
    status: 503,
    type: ProblemType.streamUnavailable,
    title: 'Service temporarily unavailable',
    detail: state + retry,
    headers: { 'retry-after': String(PUBLISH_RETRY_AFTER_SECONDS) },
    extensions: { orderId, orderMayExist: mayExist },
  };
}

function stockPreconditionProblem(error: StockPreconditionError): ProblemInit {
  const { sku, kind, current } = error;
  const headers = current ? { etag: entityTag(current.version) } : undefined;
  if (kind === 'REQUIRED') {
    return {
      status: 428,
      type: ProblemType.preconditionRequired,
      title: 'Precondition required',
      detail:
        `SKU '${sku}' exists: send If-Match with the ETag from GET /inventory/${sku} to replace its stock and price, ` +
        `or POST /inventory/${sku}/adjustments for a relative change. An unconditional write could erase reservations`,
      ...(headers ? { headers } : {}),
    };
  }
  return {
    status: 412,
    type: ProblemType.preconditionFailed,
    title: 'Precondition failed',
    detail: current
      ? `SKU '${sku}' is at version ${current.version} (available ${current.available}), not what the precondition ` +
        'expects: it changed since it was read. Read it again and retry with its ETag. Nothing was changed'
      : `SKU '${sku}' does not exist; nothing was changed`,
    ...(headers ? { headers } : {}),
  };
}

interface CompiledTemplate {
  readonly routeKey: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: string[];
}

function compileTemplate(routeKey: string): CompiledTemplate {
  const [method = '', path = ''] = routeKey.split(' ');
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { routeKey, method, pattern: new RegExp(`^${source}/?$`), names };
}

function findRoute(
  event: APIGatewayProxyEventV2,
  routes: Routes,
  templates: readonly CompiledTemplate[],
): { handler: RouteHandler; params: Record<string, string> } | undefined {
  const byKey = event.routeKey ? routes[event.routeKey] : undefined;
  if (byKey) return { handler: byKey, params: { ...(event.pathParameters as Record<string, string> | undefined) } };
  const method = event.requestContext?.http?.method?.toUpperCase();
  for (const template of templates) {
    if (template.method !== method) continue;
    const match = template.pattern.exec(event.rawPath ?? '');
    if (!match) continue;
    const params: Record<string, string> = {};
    template.names.forEach((name, index) => {
      params[name] = safeDecode(match[index + 1]!);
    });
    return { handler: routes[template.routeKey]!, params };
  }
  return undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
