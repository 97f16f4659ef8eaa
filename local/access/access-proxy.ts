import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsJsonAuthFailure, type LocalCredential, verifySigV4 } from '../auth';
import type { RequiredAuthorization } from '../iam';
import type { AccessChecker, AccessPrincipal } from './access-checker';

/**
 * An endpoint in front of an emulator (DynamoDB Local, kinesis-mock) that authorizes each call as
 * AWS does before passing it on: the SigV4 signature names the caller (each function signs with
 * its own local key, so a call is its role's), the request names what it needs (action, resource,
 * condition keys), and the caller's policies decide. A denial answers AWS's AccessDeniedException;
 * an allowed call is forwarded byte for byte and its answer streamed back.
 */

export type JsonService = 'dynamodb' | 'kinesis';

export interface AccessProxyOptions {
  readonly service: JsonService;
  /** The emulator (or the next proxy), e.g. http://127.0.0.1:8000. */
  readonly upstream: string;
  readonly region: string;
  /** The caller of an access key: its credential and policies. */
  readonly principalOf: (accessKeyId: string) => (LocalCredential & AccessPrincipal) | undefined;
  /** What a call needs: operation = X-Amz-Target after the dot, body = its JSON. */
  readonly authorizationsOf: (operation: string, body: unknown) => RequiredAuthorization[];
  readonly checker: AccessChecker;
}

export interface RunningAccessProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startAccessProxy(options: AccessProxyOptions): Promise<RunningAccessProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    handle(options, upstream, agent, req, res).catch((error: unknown) => {
      console.error(`[iam] ${options.service} proxy error`, error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => closeServer(server).then(() => agent.destroy()),
  };
}

async function handle(
  options: AccessProxyOptions,
  upstream: URL,
  agent: Agent,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  const verified = verifySigV4(
    { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
    { service: options.service, region: options.region, credentials: options.principalOf },
  );
  if (!verified.ok) return sendJson(res, awsJsonAuthFailure(verified, options.service));
  const principal = options.principalOf(verified.credential.accessKeyId);
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.slice(target.indexOf('.') + 1);
  if (principal && operation) {
    const decision = options.checker.check(principal, options.authorizationsOf(operation, parseJson(body)));
    if (!decision.allowed) return sendJson(res, accessDenied(options.service, decision.denial.message));
  }
  await forward(upstream, agent, req, body, res);
}

/** AWS's AccessDeniedException in the service's JSON protocol (the SDK names the error from `__type`). */
function accessDenied(service: JsonService, message: string) {
  return {
    statusCode: 400,
    headers: {
      'Content-Type': service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      'x-amzn-ErrorType': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
    },
    body: {
      __type: service === 'dynamodb' ? 'com.amazon.coral.service#AccessDeniedException' : 'AccessDeniedException',
      message,
    },
  };
}

function forward(upstream: URL, agent: Agent, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
  return new Promise((resolveForward, reject) => {
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once('end', () => resolveForward());
        answer.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

function sendJson(
  res: ServerResponse,
  answer: { statusCode: number; headers: Record<string, string>; body: Record<string, string> },
): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.statusCode, { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function parseJson(body: Buffer): unknown {
  try {
    return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolveBody(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeIdleConnections();
  });
}
