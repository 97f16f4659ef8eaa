import { MAX_AVAILABLE } from '../domain/inventory';
import { PublishError } from '../ports/event-publisher';
import { entityTag, HttpProblem, type ProblemInit, ProblemType, validationProblem } from './http';
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

/** Seconds a client should wait before retrying after a 503 (stream unavailable). */
export const PUBLISH_RETRY_AFTER_SECONDS = 2;
/** Seconds a client should wait before retrying a request whose key is in progress. */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

// biome-ignore lint/suspicious/noExplicitAny: an error class of any constructor signature
type ErrorClass<E extends Error> = abstract new (...args: any[]) => E;

/** One row of the table: the problem an error is, or undefined when the row is not about it. */
type ProblemRule = (error: unknown) => ProblemInit | undefined;

/** A row for the errors of a class. */
const whenError =
  <E extends Error>(errorClass: ErrorClass<E>, problem: (error: E) => ProblemInit): ProblemRule =>
  (error) =>
    error instanceof errorClass ? problem(error) : undefined;

/**
 * A row for errors by name: Powertools idempotency's, so the table does not import that package
 * (only its adapter, idempotency.ts, does).
 */
const whenNamed =
  (names: readonly string[], problem: ProblemInit): ProblemRule =>
  (error) =>
    names.includes((error as Error | undefined)?.name ?? '') ? problem : undefined;

/** The API's errors and the problem each one answers, in one place (the first matching class wins). */
const PROBLEM_RULES: readonly ProblemRule[] = [
  whenError(HttpProblem, (error) => error.problem),
  whenError(UnknownSkuError, (error) => ({
    status: 422,
    type: ProblemType.unknownSku,
    title: 'Unknown SKU',
    detail: `the catalogue does not know ${error.unknown.map(({ sku }) => `'${sku}'`).join(', ')}`,
    errors: error.unknown.map(({ sku, index }) => ({ path: `items.${index}.sku`, message: `unknown SKU '${sku}'` })),
  })),
  whenError(CustomerMismatchError, (error) => ({
    status: 403,
    type: ProblemType.customerMismatch,
    title: 'Customer mismatch',
    detail:
      `customerId '${error.requested}' is not the customer the token names: orders are placed for the token's ` +
      'subject (sub). Leave customerId out, or send the subject',
    errors: [{ path: 'customerId', message: "must be the token's subject (sub), or left out" }],
  })),
  whenError(
    CustomerIdRequiredError,
    (error) => validationProblem([{ path: 'customerId', message: error.message }]).problem,
  ),
  whenError(OrderNotFoundError, (error) => ({
    status: 404,
    type: ProblemType.orderNotFound,
    title: 'Order not found',
    detail: `no order with id '${error.orderId}'`,
  })),
  whenError(SkuNotFoundError, (error) => ({
    status: 404,
    type: ProblemType.skuNotFound,
    title: 'SKU not found',
    detail: `no catalogue entry for SKU '${error.sku}'`,
  })),
  whenError(OrderNotCancellableError, (error) => ({
    status: 409,
    type: ProblemType.orderNotCancellable,
    title: 'Order can no longer be cancelled',
    detail: `order '${error.orderId}' is ${error.status}; only orders that have not shipped can be cancelled`,
  })),
  whenError(OrderNotRecordedError, orderNotRecordedProblem),
  whenError(PublishError, (error) => ({
    status: 503,
    type: ProblemType.streamUnavailable,
    title: 'Service temporarily unavailable',
    detail: error.mayHaveBeenAccepted
      ? 'the order stream did not confirm the request in time: it may have been recorded. ' +
        'Retry after the Retry-After delay; repeating a cancellation request is harmless'
      : 'the request could not be recorded on the order stream; nothing was accepted. Retry after the Retry-After delay',
    headers: { 'retry-after': String(PUBLISH_RETRY_AFTER_SECONDS) },
    extensions: { mayHaveBeenRecorded: error.mayHaveBeenAccepted },
  })),
  whenError(OrderTotalTooLargeError, (error) => ({
    status: 422,
    type: ProblemType.orderTotalTooLarge,
    title: 'Order total too large',
    detail: `the order totals ${error.totalCents} cents; the most one order may total is ${error.maxCents} cents`,
    extensions: { totalCents: error.totalCents, maxTotalCents: error.maxCents },
  })),
  whenError(StockPreconditionError, stockPreconditionProblem),
  whenError(StockOutOfRangeError, ({ current, delta }) => ({
    status: 409,
    type: ProblemType.stockOutOfRange,
    title: 'Adjustment out of range',
    detail:
      `SKU '${current.sku}' has ${current.available} available; adding ${delta} would leave 0..${MAX_AVAILABLE}. ` +
      'Nothing was changed',
    headers: { etag: entityTag(current.version) },
    extensions: { available: current.available },
  })),

  whenNamed(['IdempotencyValidationError'], {
    status: 422,
    type: ProblemType.idempotencyKeyReused,
    title: 'Idempotency-Key reused with a different request',
    detail: 'this Idempotency-Key was already used with a different request body; use a new key for a new order',
  }),
  whenNamed(['IdempotencyAlreadyInProgressError', 'IdempotencyInconsistentStateError'], {
    status: 409,
    type: ProblemType.requestInProgress,
    title: 'Request in progress',
    detail: 'a request with this Idempotency-Key is still being processed; retry after a moment to get its result',
    headers: { 'retry-after': String(IN_PROGRESS_RETRY_AFTER_SECONDS) },
  }),
];

/** Maps known errors to problems; undefined for the unexpected (-> 500). */
export function toProblem(error: unknown): ProblemInit | undefined {
  for (const rule of PROBLEM_RULES) {
    const problem = rule(error);
    if (problem) return problem;
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
