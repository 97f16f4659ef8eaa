import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import type { MappingSnapshot } from '../esm/types';
import type { LocalCloudWatch } from '../local-cloudwatch';
import type { SegmentStore } from '../xray/segment-store';
import {
  type ConsumerRow,
  consumerRows,
  type FailedObjectRow,
  failedObjectRow,
  type RecordTimeline,
  timelineOf,
} from './model';
import { handledInTrace, waterfallOf } from './waterfall';

/**
 * The local console on the HTTP API's port: `GET /_console` (one static page, no build step)
 * and the JSON it polls under `/_console/api/`. Local only (the server binds 127.0.0.1) and
 * without authentication, like the rest of the local API.
 */

export const CONSOLE_PATH = '/_console';

/** What `POST /_console/api/replay` answers: the app's replay (e.g. `npm run replay`'s code) ran. */
export interface ConsoleReplayResult {
  /** Distinct records found in the on-failure objects. */
  readonly found: number;
  /** Records put back on the stream. */
  readonly put: number;
  /** Records not put, with the stream's reason. */
  readonly notPut: readonly { readonly record: string; readonly errorCode: string; readonly errorMessage: string }[];
  readonly streamName: string;
}

export interface ConsoleSources {
  readonly engine: { snapshot(): MappingSnapshot[]; eventsPerSecond(): number };
  readonly timeline: RecordTimeline;
  /** A function's display name (its service name). */
  readonly consumerName: (functionName: string) => string;
  /** The on-failure destination's folder. */
  readonly failedDir: string;
  /** Counts of some attribute over a table (e.g. orders by status). @default none: the panel is hidden */
  readonly statusCounts?: () => Promise<StatusCounts>;
  /** Puts the on-failure folder's records back on the stream. @default none: no Replay button */
  readonly replay?: () => Promise<ConsoleReplayResult>;
  /** What the timeline's key is called, e.g. 'orderId'. @default 'partition key' */
  readonly keyLabel?: string;
  /** The local X-Ray daemon's segments. @default none: no traces, timelines without handled/skipped */
  readonly traces?: SegmentStore;
  /** The X-Ray annotation holding the key (the waterfall's search). @default none: no waterfall */
  readonly traceAnnotation?: string;
  /** Metrics, the template's alarms and dashboard. @default none: no charts, no alarms */
  readonly cloudwatch?: LocalCloudWatch;
  /** Calls refused by the access checks (authorizers, roles): how many, and the latest. @default none */
  readonly accessDenials?: () => AccessDenialSummary;
  readonly now?: () => number;
}

export interface AccessDenialSummary {
  readonly count: number;
  readonly recent: readonly { at: string; principal: string; action: string; resource: string; message: string }[];
}

export interface StatusCounts {
  readonly title: string;
  readonly table: string;
  readonly counts: readonly { value: string; count: number }[];
}

export interface ConsoleOverview {
  readonly generatedAt: string;
  readonly eventsPerSecond: number;
  readonly statuses?: StatusCounts;
  readonly consumers: readonly ConsumerRow[];
  readonly failed: FailedFolderSummary;
  readonly recentKeys: readonly string[];
  readonly keyLabel: string;
  readonly replayAvailable: boolean;
  /** The annotation the waterfall searches by, when there is one. */
  readonly traceAnnotation?: string;
  readonly accessDenials?: AccessDenialSummary;
}

export interface FailedFolderSummary {
  readonly folder: string;
  /** Every object in the folder. */
  readonly objectCount: number;
  /** Records in the objects listed. */
  readonly records: number;
  /** The newest objects (at most MAX_LISTED_OBJECTS). */
  readonly objects: readonly FailedObjectRow[];
}

const MAX_LISTED_OBJECTS = 100;

/** Reads the on-failure folder: every object's path, the newest ones summarized. */
export function failedFolderSummary(folder: string): FailedFolderSummary {
  const files = existsSync(folder)
    ? readdirSync(folder, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
        .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    : [];
  // object names start with their time (FolderFailedRecordSink.key): newest first by name
  const newest = files.sort((a, b) => basename(b).localeCompare(basename(a))).slice(0, MAX_LISTED_OBJECTS);
  const objects = newest.map((path) => failedObjectRow(path, readFileSync(join(folder, path), 'utf8')));
  return { folder, objectCount: files.length, records: objects.reduce((n, o) => n + o.records, 0), objects };
}

export async function buildOverview(sources: ConsoleSources): Promise<ConsoleOverview> {
  const now = sources.now?.() ?? Date.now();
  return {
    generatedAt: new Date(now).toISOString(),
    eventsPerSecond: sources.engine.eventsPerSecond(),
    statuses: await sources.statusCounts?.(),
    accessDenials: sources.accessDenials?.(),
    consumers: consumerRows(sources.engine.snapshot(), sources.consumerName, now),
    failed: failedFolderSummary(sources.failedDir),
    recentKeys: sources.timeline.recentKeys(),
    keyLabel: sources.keyLabel ?? 'partition key',
    replayAvailable: sources.replay !== undefined,
    ...(sources.traces && sources.traceAnnotation ? { traceAnnotation: sources.traceAnnotation } : {}),
  };
}

/** A request handler for `/_console...`: answers and returns true, or returns false for other paths. */
export function consoleHandler(
  sources: ConsoleSources,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  let replaying = false;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
    const method = (req.method ?? 'GET').toUpperCase();
    const route = `${method} ${path.slice(CONSOLE_PATH.length) || '/'}`;
    switch (route) {
      case 'GET /':
        send(res, 200, 'text/html; charset=utf-8', readFileSync(join(__dirname, 'page.html')));
        return true;
      case 'GET /api/overview':
        sendJson(res, 200, await buildOverview(sources));
        return true;
      case 'GET /api/timeline': {
        const key = url.searchParams.get('key')?.trim();
        if (!key) {
          sendProblem(
            res,
            400,
            'Bad Request',
            `query parameter 'key' (the ${sources.keyLabel ?? 'partition key'}) is required`,
          );
          return true;
        }
        const traces = sources.traces;
        const handled = traces && ((traceId: string, recordId: string) => handledInTrace(traces, traceId, recordId));
        sendJson(res, 200, {
          key,
          records: timelineOf(sources.timeline.of(key), handled),
          truncated: sources.timeline.truncated,
        });
        return true;
      }
      case 'GET /api/traces': {
        // X-Ray's filter `annotation.<name> = "<value>"` as one query parameter: ?orderId=…
        const filters = [...url.searchParams.entries()];
        const [filter] = filters;
        if (!sources.traces) {
          sendProblem(res, 501, 'Not Implemented', 'this runtime keeps no traces');
          return true;
        }
        if (!filter || filters.length > 1 || filter[1].trim() === '') {
          sendProblem(
            res,
            400,
            'Bad Request',
            'give exactly one annotation to search by as a query parameter, e.g. ?orderId=<id>',
          );
          return true;
        }
        const [annotation, value] = filter;
        const store = sources.traces;
        const traceIds = store.traceIdsAnnotated(annotation, value.trim());
        sendJson(res, 200, {
          annotation: { [annotation]: value.trim() },
          traceIds,
          segments: traceIds.flatMap((traceId) => store.segmentsOf(traceId)),
          truncated: store.dropped > 0,
        });
        return true;
      }
      case 'GET /api/alarms': {
        if (!sources.cloudwatch) {
          sendProblem(res, 501, 'Not Implemented', 'this runtime evaluates no alarms');
          return true;
        }
        sendJson(res, 200, {
          alarms: sources.cloudwatch.alarms(),
          notifications: sources.cloudwatch.recentNotifications().slice(-20),
        });
        return true;
      }
      case 'GET /api/dashboard': {
        if (!sources.cloudwatch) {
          sendProblem(res, 501, 'Not Implemented', 'this runtime keeps no metrics');
          return true;
        }
        const minutes = Number(url.searchParams.get('minutes') ?? '15');
        if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) {
          sendProblem(
            res,
            400,
            'Bad Request',
            `'minutes' must be a number in (0, 1440]; got '${url.searchParams.get('minutes')}'`,
          );
          return true;
        }
        const now = sources.now?.() ?? Date.now();
        sendJson(res, 200, {
          generatedAt: new Date(now).toISOString(),
          ...sources.cloudwatch.dashboardView(now, minutes * 60_000),
        });
        return true;
      }
      case 'GET /api/waterfall': {
        const key = url.searchParams.get('key')?.trim();
        if (!sources.traces || !sources.traceAnnotation) {
          sendProblem(
            res,
            501,
            'Not Implemented',
            'this runtime keeps no traces, or the app names no trace annotation',
          );
          return true;
        }
        if (!key) {
          sendProblem(res, 400, 'Bad Request', `query parameter 'key' (the ${sources.traceAnnotation}) is required`);
          return true;
        }
        sendJson(res, 200, waterfallOf(sources.traces, sources.traceAnnotation, key));
        return true;
      }
      case 'POST /api/replay': {
        if (!sources.replay) {
          sendProblem(res, 501, 'Not Implemented', 'this app gave the local runtime no replay action');
          return true;
        }
        if (replaying) {
          sendProblem(res, 409, 'Conflict', 'a replay is already running');
          return true;
        }
        replaying = true;
        try {
          sendJson(res, 200, await sources.replay());
        } catch (error) {
          sendProblem(res, 500, 'Replay failed', (error as Error).message);
        } finally {
          replaying = false;
        }
        return true;
      }
      default:
        sendProblem(res, 404, 'Not Found', `No console route matches ${method} ${url.pathname}`);
        return true;
    }
  };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function send(res: ServerResponse, status: number, contentType: string, body: Buffer | string): void {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': contentType, 'content-length': buffer.length, 'cache-control': 'no-store' });
  res.end(buffer);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

function sendProblem(res: ServerResponse, status: number, title: string, detail: string): void {
  send(res, status, 'application/problem+json', JSON.stringify({ type: 'about:blank', title, status, detail }));
}
