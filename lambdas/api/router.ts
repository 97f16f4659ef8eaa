import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Log } from '../ports/log';
import { HttpProblem, problemResponse } from './http';
import { toProblem } from './problems';

/** What a route handler gets: the raw event and the path parameters of its template. */
export interface ApiRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly params: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: ApiRequest) => Promise<APIGatewayProxyStructuredResultV2>;

/** Route handlers by API Gateway route key, e.g. `'GET /orders/{orderId}'`. */
export type Routes = Readonly<Record<string, RouteHandler>>;

/**
 * The one place that turns requests into route calls and outcomes into responses:
 * dispatch on `routeKey` (payload format 2.0; falls back to matching method + path
 * against the templates when the key is `$default`), and map every error once through the
 * problem table (problems.ts); anything else is a 500 without internals (logged with the error).
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
