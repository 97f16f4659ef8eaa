import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * API Gateway HTTP API, payload format 2.0: the event built from an HTTP request and the
 * HTTP response built from the function's result, following the documented 2.0 rules
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
 */

export interface IncomingRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/orders/o-1?verbose=true`. */
  readonly url: string;
  /** Raw header pairs as Node gives them (`IncomingMessage.rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
}

export interface RequestMeta {
  readonly routeKey: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
  readonly now: Date;
  /** `requestContext.authorizer` as the route's authorizer filled it. @default none */
  readonly authorizer?: Readonly<Record<string, unknown>>;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|problem\+json|[\w.+-]*\+(json|xml)))/i;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function buildHttpApiEvent(request: IncomingRequest, meta: RequestMeta): APIGatewayProxyEventV2 {
  const questionMark = request.url.indexOf('?');
  const rawPath = questionMark < 0 ? request.url : request.url.slice(0, questionMark);
  const rawQueryString = questionMark < 0 ? '' : request.url.slice(questionMark + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  // rawHeaders is a flat [name, value, name, value, ...] list; i + 1 < length, so both are in range
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie')
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  headers['x-forwarded-for'] ??= request.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';

  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    query[key] = key in query ? `${query[key]},${value}` : value;
  }

  const contentType = headers['content-type'] ?? '';
  const hasBody = request.body.length > 0;
  const isText = !hasBody || contentType === '' || TEXT_TYPES.test(contentType);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: meta.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: meta.accountId,
      apiId: meta.apiId,
      domainName: meta.domainName,
      domainPrefix: meta.domainName.split('.')[0]!, // split() always returns at least one part
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: meta.requestId,
      ...(meta.authorizer ? { authorizer: meta.authorizer } : {}),
      routeKey: meta.routeKey,
      stage: '$default',
      time: formatRequestTime(meta.now),
      timeEpoch: meta.now.getTime(),
    },
    ...(meta.pathParameters && Object.keys(meta.pathParameters).length > 0
      ? { pathParameters: { ...meta.pathParameters } }
      : {}),
    ...(hasBody ? { body: isText ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !isText,
  };
  return event;
}

/** `12/Mar/2020:19:03:58 +0000`, the format of requestContext.time. */
export function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

export class MalformedResponseError extends Error {
  public readonly name = 'MalformedResponseError';
}

/**
 * Maps a function result to the HTTP response (format 2.0): an object with `statusCode` is a
 * structured response; anything else is the body of a 200 application/json response (a string
 * as is, other values JSON-encoded).
 */
export function mapHttpApiResult(result: unknown): HttpResponse {
  if (result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result) {
    const structured = result as APIGatewayProxyStructuredResultV2;
    const statusCode = Number(structured.statusCode);
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
      throw new MalformedResponseError(
        `statusCode must be an HTTP status; got ${JSON.stringify(structured.statusCode)}`,
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const rawBody = structured.body ?? '';
    if (typeof rawBody !== 'string') throw new MalformedResponseError('body must be a string');
    const body = structured.isBase64Encoded ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8');
    if (body.length > 0 && !('content-type' in headers)) headers['content-type'] = 'application/json';
    return { statusCode, headers, cookies: (structured.cookies ?? []).map(String), body };
  }
  const text = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(text, 'utf8'),
  };
}
