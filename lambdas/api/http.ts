import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';

/**
 * HTTP plumbing of the API function, written once: problem+json errors (RFC 9457),
 * JSON responses, and request-body parsing with content-type and schema checks.
 * Route handlers throw `HttpProblem`s; the router turns them into responses.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URIs (RFC 9457 `type`); `about:blank` is used for plain HTTP errors. */
export const ProblemType = {
  validation: 'urn:orderstream:problem:validation-error',
  malformedJson: 'urn:orderstream:problem:malformed-json',
  unsupportedMediaType: 'urn:orderstream:problem:unsupported-media-type',
  unknownSku: 'urn:orderstream:problem:unknown-sku',
  idempotencyKeyReused: 'urn:orderstream:problem:idempotency-key-reused',
  requestInProgress: 'urn:orderstream:problem:request-in-progress',
  orderNotFound: 'urn:orderstream:problem:order-not-found',
  orderNotCancellable: 'urn:orderstream:problem:order-not-cancellable',
  skuNotFound: 'urn:orderstream:problem:sku-not-found',
  streamUnavailable: 'urn:orderstream:problem:stream-unavailable',
  orderTotalTooLarge: 'urn:orderstream:problem:order-total-too-large',
  preconditionFailed: 'urn:orderstream:problem:precondition-failed',
  preconditionRequired: 'urn:orderstream:problem:precondition-required',
  stockOutOfRange: 'urn:orderstream:problem:stock-out-of-range',
  customerMismatch: 'urn:orderstream:problem:customer-mismatch',
  blank: 'about:blank',
} as const;

/** One failing field of a request: `path` is a dotted path such as `items.0.quantity`. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ProblemInit {
  readonly status: number;
  readonly type?: string;
  readonly title: string;
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  /** Extra response headers (e.g. Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extension members of the problem body (RFC 9457 section 3.2), e.g. `orderId`. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** An error that is an HTTP answer: thrown by route handlers, mapped by the router. */
export class HttpProblem extends Error {
  public readonly name = 'HttpProblem';
  public constructor(public readonly problem: ProblemInit) {
    super(problem.detail ?? problem.title);
  }
}

export function problemResponse(
  problem: ProblemInit,
  instance?: string,
  extensions: Readonly<Record<string, unknown>> = {},
): APIGatewayProxyStructuredResultV2 {
  const body: Record<string, unknown> = {
    type: problem.type ?? ProblemType.blank,
    title: problem.title,
    status: problem.status,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    ...(instance !== undefined ? { instance } : {}),
    ...(problem.errors !== undefined ? { errors: problem.errors } : {}),
    ...problem.extensions,
    ...extensions,
  };
  return {
    statusCode: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.headers },
    body: JSON.stringify(body),
  };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** Case-insensitive header lookup (API Gateway v2 lower-cases names; tests may not). */
export function header(event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The strong entity tag of a versioned resource: `"<version>"`. */
export function entityTag(version: number): string {
  return `"${version}"`;
}

/**
 * Reads an If-Match (or If-None-Match) header that names one version: `*`, a strong tag
 * `"<n>"`, or a weak tag `W/"<n>"`, which never matches (If-Match compares strongly: -1).
 * Undefined when the header is absent; 400 for anything else (lists are not supported).
 */
export function versionPrecondition(
  event: Pick<APIGatewayProxyEventV2, 'headers'>,
  name: 'if-match' | 'if-none-match',
): number | '*' | undefined {
  const value = header(event, name)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value === '*') return '*';
  const tag = /^(W\/)?"(\d{1,15})"$/.exec(value);
  if (!tag) {
    throw validationProblem(
      [{ path: `headers.${name}`, message: 'expected * or one entity tag as sent in ETag, e.g. "3"' }],
      `${name} must be * or one entity tag such as "3"`,
    );
  }
  return tag[1] ? -1 : Number(tag[2]);
}

/** Turns zod issues into `{path, message}` entries with dotted paths. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

export function validationProblem(errors: readonly FieldError[], detail?: string): HttpProblem {
  return new HttpProblem({
    status: 400,
    type: ProblemType.validation,
    title: 'Request validation failed',
    detail: detail ?? `${errors.length} field(s) are invalid: ${errors.map((e) => e.path).join(', ')}`,
    errors,
  });
}

/** Validates any value (path parameters, headers) against a schema, or throws a 400 problem. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(fieldErrors(result.error));
  return result.data;
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/**
 * Reads the JSON body of a request and validates it:
 * 415 unless the content type is JSON (`application/json` or `application/*+json`),
 * 400 `malformed-json` when the body is missing or not JSON, 400 `validation-error`
 * with the failing field paths when it does not match the schema.
 */
export function parseJsonBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.infer<S> {
  const contentType = header(event, 'content-type');
  const mediaType = contentType?.split(';')[0]?.trim() ?? '';
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new HttpProblem({
      status: 415,
      type: ProblemType.unsupportedMediaType,
      title: 'Unsupported media type',
      detail: `the request body must be application/json, got ${contentType ? `'${contentType}'` : 'no content-type'}`,
    });
  }
  const text =
    event.body === undefined || event.body === null
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  if (text.trim() === '') {
    throw new HttpProblem({
      status: 400,
      type: ProblemType.malformedJson,
      title: 'Malformed request body',
      detail: 'the request body is empty; a JSON object is required',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HttpProblem({
      status: 400,
      type: ProblemType.malformedJson,
      title: 'Malformed request body',
      detail: `the request body is not valid JSON: ${(error as Error).message}`,
    });
  }
  return validate(schema, raw);
}
