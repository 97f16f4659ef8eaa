import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayAuthorizer } from './access/gateway-authorizer';
import type { InvocationResult } from './function-runner';
import { buildHttpApiEvent, type HttpResponse, mapHttpApiResult } from './http-event';
import { type HttpApiDefinition, matchRoute } from './routes';

/**
 * The template's HTTP API on 127.0.0.1: matches a route, invokes its function with a payload
 * format 2.0 event and maps the result back like API Gateway. `GET /health` is answered here
 * (200 only once `isReady()` says every component is up). Each route's authorizer runs first
 * (`authorize`, local/access/gateway-authorizer.ts); without one every route is open.
 */

export interface HttpApiOptions {
  /** The routes; a function while they are not known yet (requests get 503 until it returns one). */
  readonly api: HttpApiDefinition | (() => HttpApiDefinition | undefined);
  readonly invoke: (functionArn: string, event: unknown) => Promise<InvocationResult>;
  /** The routes' authorizers, once known (asked per request). @default none: every route is open */
  readonly authorizer?: () => GatewayAuthorizer | undefined;
  readonly accountId: string;
  /** @default 3000; 0 = a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Readiness reported by GET /health. @default always ready */
  readonly isReady?: () => boolean;
  /** Extra fields in the /health body. */
  readonly healthDetails?: () => Record<string, unknown>;
  /**
   * Asked before the routes, in order (e.g. the local console): one that answers the request
   * returns true, else false. @default none
   */
  readonly handlers?: ReadonlyArray<(req: IncomingMessage, res: ServerResponse) => Promise<boolean>>;
  /** Told of every request the API answered (not /health or the handlers'), as its CloudWatch metrics count them. */
  readonly onApiRequest?: (request: ApiRequestReport) => void;
}

export interface RunningHttpApi {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface ApiRequestReport {
  readonly apiId: string;
  readonly statusCode: number;
  /** Date.now() when the request arrived. */
  readonly receivedAt: number;
  /** Until the response was sent. */
  readonly latencyMs: number;
  /** The function invocation's share, when one ran. */
  readonly integrationLatencyMs?: number;
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startHttpApi(options: HttpApiOptions): Promise<RunningHttpApi> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      console.error('[http-api] unexpected error', error);
      if (!res.headersSent) send(res, jsonResponse(500, { message: 'Internal Server Error' }));
      else res.destroy();
    });
  });
  // Lambda invocations can take up to the function timeout; never cut them at Node's default.
  server.requestTimeout = 0;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, port, stop: () => closeServer(server) };
}

async function handle(options: HttpApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const path = url.split('?')[0]!; // split() always returns at least one part
  if (method === 'GET' && path === '/health') {
    const ready = options.isReady?.() ?? true;
    return send(
      res,
      jsonResponse(ready ? 200 : 503, { status: ready ? 'ok' : 'starting', ...options.healthDetails?.() }),
    );
  }
  for (const handler of options.handlers ?? []) if (await handler(req, res)) return;
  const api = typeof options.api === 'function' ? options.api() : options.api;
  if (!api) return send(res, problem(503, 'Service Unavailable', 'the local runtime is still starting'));
  const receivedAt = Date.now();
  let integrationLatencyMs: number | undefined;
  const respond = (response: HttpResponse, requestId?: string): void => {
    send(res, response, requestId);
    options.onApiRequest?.({
      apiId: api.apiId,
      statusCode: response.statusCode,
      receivedAt,
      latencyMs: Date.now() - receivedAt,
      ...(integrationLatencyMs !== undefined ? { integrationLatencyMs } : {}),
    });
  };
  const match = matchRoute(api.routes, method, path);
  if (!match) {
    return respond(problem(404, 'Not Found', `No route matches ${method} ${path}`));
  }
  const body = await readBody(req);
  if (body === undefined) return respond(jsonResponse(413, { message: 'Request Entity Too Large' }));
  const authorize = options.authorizer?.();
  const requestId = randomUUID();
  const decision = authorize
    ? await authorize(match.route, api.apiId, { method, url, headers: req.headers, body })
    : { ok: true as const };
  if (!decision.ok) return respond(decision.response, requestId);
  const event = buildHttpApiEvent(
    {
      method,
      url,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    },
    {
      routeKey: match.route.routeKey,
      pathParameters: match.pathParameters,
      requestId,
      accountId: options.accountId,
      apiId: api.apiId,
      domainName: String(req.headers.host ?? 'localhost'),
      now: new Date(),
      authorizer: decision.authorizer,
    },
  );
  const invokedAt = Date.now();
  const result = await options.invoke(match.route.functionArn, event);
  integrationLatencyMs = Date.now() - invokedAt;
  let response: HttpResponse;
  if (result.kind === 'error' && result.errorType === 'ServiceUnavailable') {
    response = problem(503, 'Service Unavailable', result.errorMessage);
  } else if (result.kind === 'error') {
    console.error(`[http-api] ${match.route.routeKey}: function error ${result.errorType}: ${result.errorMessage}`);
    response = jsonResponse(500, { message: 'Internal Server Error' });
  } else {
    try {
      response = mapHttpApiResult(result.payload);
    } catch (error) {
      console.error(`[http-api] ${match.route.routeKey}: malformed function response: ${(error as Error).message}`);
      response = jsonResponse(500, { message: 'Internal Server Error' });
    }
  }
  respond(response, requestId);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.once('end', () => resolveBody(tooLarge ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(body)),
  };
}

function problem(status: number, title: string, detail: string): HttpResponse {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    cookies: [],
    body: Buffer.from(JSON.stringify({ type: 'about:blank', title, status, detail })),
  };
}

function send(res: ServerResponse, response: HttpResponse, requestId?: string): void {
  const headers: Record<string, string | string[]> = {
    ...response.headers,
    'content-length': String(response.body.length),
  };
  if (response.cookies.length > 0) headers['set-cookie'] = [...response.cookies];
  if (requestId) headers['apigw-requestid'] = requestId;
  res.writeHead(response.statusCode, headers);
  res.end(response.body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeIdleConnections();
  });
}
