import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClient } from '../../local/clients';
import { freePorts, LocalProcess } from './local-process';

/**
 * The worst-day soak: clients place orders with Idempotency-Keys against `npm start` while the
 * consumers fail at random (the local-only fault switch), the runtime is SIGKILLed mid-load and
 * restarted, and every client retries with its own key until it has an answer. Afterwards it
 * counts what a customer and an accountant would: every accepted order terminal, stock conserved,
 * one email per order, money charged once and refunded in full when cancelled.
 */

export interface SoakOptions {
  /** Orders to place. */
  readonly orders: number;
  /** Concurrent clients. @default 8 */
  readonly clients?: number;
  /** Share of records a consumer fails on purpose (context faultInjectionRate). @default 0.05 */
  readonly faultRate?: number;
  /** Saga step deadline (context sagaStepTimeoutSeconds). @default 20 */
  readonly sagaStepTimeoutSeconds?: number;
  /** SIGKILL the runtime once this many orders were accepted; undefined = no kill. */
  readonly killAfterAccepted?: number;
  /** Share of accepted orders the customer tries to cancel. @default 0.05 */
  readonly cancelShare?: number;
  /** How long, after the last order was accepted, orders may take to become terminal. @default 240 s */
  readonly settleTimeoutMs?: number;
  /** Work folder (data, logs). */
  readonly workDir: string;
  /** Seed of the order generator. @default 1 */
  readonly seed?: number;
  /** Extra `npm start` flags and environment. */
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: (message: string) => void;
}

export interface SoakReport {
  readonly accepted: number;
  readonly rejected: { readonly status: number; readonly detail: string }[];
  readonly completed: number;
  readonly cancelled: Readonly<Record<string, number>>;
  /** Accepted orders that never became terminal: orderId -> last status (or 404). */
  readonly stuck: Readonly<Record<string, string>>;
  readonly kills: number;
  /** POST attempts beyond the first (network errors while down, 409, 503...). */
  readonly retries: number;
  readonly cancelRequests: number;
  /** SKU -> initial - available - units in COMPLETED orders (0 when stock is conserved). */
  readonly stockDrift: Readonly<Record<string, number>>;
  /** Orders whose emails are not exactly one of the kind their status implies. */
  readonly emailProblems: string[];
  /** Orders whose ledger does not match their outcome (charge, refund). */
  readonly moneyProblems: string[];
  readonly durationMs: number;
  readonly ordersPerSecond: number;
}

/** Invariants the soak asserts; empty when the run was clean. */
export function soakViolations(report: SoakReport): string[] {
  const problems: string[] = [];
  const stuck = Object.entries(report.stuck);
  if (stuck.length > 0)
    problems.push(`${stuck.length} accepted orders never terminal: ${JSON.stringify(stuck.slice(0, 10))}`);
  const [firstRejected] = report.rejected;
  if (firstRejected !== undefined) problems.push(`${report.rejected.length} orders refused: ${firstRejected.detail}`);
  const drift = Object.entries(report.stockDrift).filter(([, units]) => units !== 0);
  if (drift.length > 0) problems.push(`stock not conserved: ${JSON.stringify(Object.fromEntries(drift))}`);
  if (report.emailProblems.length > 0) problems.push(`emails: ${report.emailProblems.slice(0, 10).join('; ')}`);
  if (report.moneyProblems.length > 0) problems.push(`money: ${report.moneyProblems.slice(0, 10).join('; ')}`);
  return problems;
}

interface SoakSku {
  readonly sku: string;
  readonly available: number;
  readonly priceCents: number;
}

interface PlacedOrder {
  readonly index: number;
  readonly orderId: string;
  readonly lines: readonly { sku: string; quantity: number }[];
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? ((message: string) => console.log(message));
  const clients = options.clients ?? 8;
  const random = mulberry32(options.seed ?? 1);
  mkdirSync(options.workDir, { recursive: true });
  const [port, kinesisPort, dynamoDbPort] = await freePorts(3);
  if (port === undefined || kinesisPort === undefined || dynamoDbPort === undefined) {
    throw new Error('freePorts(3) returned fewer than 3 ports');
  }
  const dataDir = join(options.workDir, 'data');
  const runtime = new LocalProcess({
    dataDir,
    port,
    kinesisPort,
    dynamoDbPort,
    logFile: join(options.workDir, 'runtime.log'),
    extraArgs: [
      // The local-only fault switch (the stack refuses it for any other stage), a short saga step
      // deadline and a fast sweep, so a stalled order is re-driven within seconds, not minutes.
      '--context',
      `faultInjectionRate=${options.faultRate ?? 0.05}`,
      '--context',
      `sagaStepTimeoutSeconds=${options.sagaStepTimeoutSeconds ?? 20}`,
      '--schedule-every',
      '3s',
      ...(options.extraArgs ?? []),
    ],
    env: options.env,
  });
  const api = runtime.apiUrl;

  log(`[soak] starting the local runtime (data in ${dataDir}, log ${join(options.workDir, 'runtime.log')})`);
  await runtime.start({ fresh: true });
  const started = Date.now();
  try {
    // A catalogue of its own: plenty of two SKUs, a scarce third one so some orders run out of stock.
    const catalogue: SoakSku[] = [
      { sku: 'SOAK-PLENTY', available: options.orders * 4, priceCents: 500 },
      { sku: 'SOAK-COMMON', available: options.orders * 2, priceCents: 1_250 },
      { sku: 'SOAK-SCARCE', available: Math.max(3, Math.floor(options.orders / 8)), priceCents: 9_900 },
    ];
    for (const item of catalogue) {
      const response = await fetch(`${api}/inventory/${item.sku}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ available: item.available, priceCents: item.priceCents }),
      });
      if (response.status !== 200) throw new Error(`PUT /inventory/${item.sku}: ${response.status}`);
    }

    const bodies = Array.from({ length: options.orders }, (_, index) => orderBody(index, catalogue, random));
    const cancelWanted = bodies.map(() => random() < (options.cancelShare ?? 0.05));
    const placed: PlacedOrder[] = [];
    const rejected: SoakReport['rejected'] = [];
    let retries = 0;
    let cancelRequests = 0;
    let kills = 0;
    let next = 0;
    let restarting: Promise<void> | undefined;

    const maybeKill = (): void => {
      if (kills > 0 || options.killAfterAccepted === undefined || placed.length < options.killAfterAccepted) return;
      kills += 1;
      log(`[soak] ${placed.length} orders accepted: SIGKILL to the runtime's process group, then npm start again`);
      restarting = runtime
        .kill()
        .then(() => runtime.start({ synth: false }))
        .then(() => log('[soak] runtime back up'));
    };

    const client = async (): Promise<void> => {
      for (let index = next++; index < options.orders; index = next++) {
        const body = bodies[index];
        if (body === undefined) throw new Error(`soak: no order body for order ${index} of ${options.orders}`);
        const outcome = await placeWithRetries(api, `soak-${options.seed ?? 1}-${index}`, body);
        retries += outcome.attempts - 1;
        if (outcome.kind === 'rejected') {
          rejected.push({ status: outcome.status, detail: outcome.detail });
          continue;
        }
        placed.push({ index, orderId: outcome.orderId, lines: body.items });
        maybeKill();
        if (cancelWanted[index]) {
          cancelRequests += 1;
          await requestCancel(api, outcome.orderId);
        }
      }
    };
    const progress = setInterval(
      () => log(`[soak] ${placed.length} accepted, ${rejected.length} refused, ${retries} retries so far`),
      15_000,
    );
    await Promise.all(Array.from({ length: clients }, () => client())).finally(() => clearInterval(progress));
    await restarting;
    const placingMs = Date.now() - started;
    log(
      `[soak] ${placed.length} accepted, ${rejected.length} refused, ${retries} retries; waiting for terminal states`,
    );

    let lastReport = 0;
    const finals = await waitForTerminal(api, placed, options.settleTimeoutMs ?? 240_000, (terminal, total) => {
      if (Date.now() - lastReport < 15_000) return;
      lastReport = Date.now();
      log(`[soak] ${terminal} of ${total} accepted orders terminal`);
    });
    const durationMs = Date.now() - started;
    const stuck: Record<string, string> = {};
    const cancelled: Record<string, number> = {};
    let completed = 0;
    for (const order of placed) {
      const view = finals.get(order.orderId);
      if (view?.status === 'COMPLETED') completed += 1;
      else if (view?.status === 'CANCELLED') {
        const reason = view.cancellationReason ?? 'UNKNOWN';
        cancelled[reason] = (cancelled[reason] ?? 0) + 1;
      } else stuck[order.orderId] = view?.status ?? '404';
    }

    const stockDrift: Record<string, number> = {};
    for (const item of catalogue) {
      const response = await fetch(`${api}/inventory/${item.sku}`);
      const { available } = (await response.json()) as { available: number };
      const sold = placed
        .filter((order) => finals.get(order.orderId)?.status === 'COMPLETED')
        .flatMap((order) => order.lines)
        .filter((line) => line.sku === item.sku)
        .reduce((sum, line) => sum + line.quantity, 0);
      stockDrift[item.sku] = item.available - available - sold;
    }

    // The email consumer reads ORDER_COMPLETED / ORDER_CANCELLED on its own, possibly after the
    // projector: give it until the settle deadline to catch up before counting.
    const outboxDir = join(dataDir, 'outbox');
    const emailDeadline = started + placingMs + (options.settleTimeoutMs ?? 240_000);
    let emailProblems = checkEmails(outboxDir, placed, finals);
    while (emailProblems.length > 0 && Date.now() < emailDeadline) {
      await sleep(1_000);
      emailProblems = checkEmails(outboxDir, placed, finals);
    }
    const moneyProblems = await checkMoney(dynamoDbPort, placed, finals);
    return {
      accepted: placed.length,
      rejected,
      completed,
      cancelled,
      stuck,
      kills,
      retries,
      cancelRequests,
      stockDrift,
      emailProblems,
      moneyProblems,
      durationMs,
      ordersPerSecond: Math.round((placed.length / (placingMs / 1_000)) * 100) / 100,
    };
  } finally {
    await runtime.stop();
  }
}

interface PlaceOrderBody {
  readonly customerId: string;
  readonly email: string;
  readonly items: { sku: string; quantity: number }[];
  readonly shippingAddress: { name: string; line1: string; city: string; postalCode: string; country: string };
  readonly paymentToken?: string;
}

/** A varied order: some declined cards, some undeliverable addresses, some scarce stock. */
function orderBody(index: number, catalogue: readonly SoakSku[], random: () => number): PlaceOrderBody {
  const lineCount = 1 + Math.floor(random() * 2);
  const skus = [...catalogue].sort(() => random() - 0.5).slice(0, lineCount);
  const roll = random();
  return {
    customerId: `soak-customer-${index % 37}`,
    email: `customer${index}@example.com`,
    items: skus.map((item) => ({ sku: item.sku, quantity: 1 + Math.floor(random() * 3) })),
    shippingAddress: {
      name: `Customer ${index}`,
      line1: `${index} Soak Street`,
      city: 'London',
      postalCode: 'N1 1AA',
      country: roll < 0.05 ? 'AQ' : 'GB',
    },
    ...(roll > 0.9 ? { paymentToken: 'tok_chargeDeclined' } : {}),
  };
}

type PlaceOutcome =
  | { kind: 'accepted'; orderId: string; attempts: number }
  | { kind: 'rejected'; status: number; detail: string; attempts: number };

/** POST /orders until answered: a network error, 409 (in progress), 429 or 5xx is retried with the same key. */
async function placeWithRetries(api: string, key: string, body: PlaceOrderBody): Promise<PlaceOutcome> {
  const deadline = Date.now() + 300_000;
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs = Math.min(2_000, 100 * 2 ** Math.min(attempt, 5));
    try {
      const response = await fetch(`${api}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      if (response.status === 202) return { kind: 'accepted', orderId: JSON.parse(text).orderId, attempts: attempt };
      if (response.status !== 409 && response.status !== 429 && response.status < 500) {
        return { kind: 'rejected', status: response.status, detail: text, attempts: attempt };
      }
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1_000;
    } catch {
      // The runtime is down (killed, restarting) or the request timed out: retry with the same key.
    }
    if (Date.now() > deadline)
      return { kind: 'rejected', status: 0, detail: `no answer for ${key}`, attempts: attempt };
    await sleep(retryAfterMs * (0.5 + Math.random() / 2));
  }
}

/** A customer cancel: retried while the read model has not seen the order yet (404) or the runtime is down. */
async function requestCancel(api: string, orderId: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const response = await fetch(`${api}/orders/${orderId}/cancel`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 202 || response.status === 409) return;
    } catch {
      // down: retry
    }
    await sleep(500);
  }
}

interface OrderView {
  readonly status: string;
  readonly cancellationReason?: string;
  readonly totalCents?: number;
}

async function waitForTerminal(
  api: string,
  placed: readonly PlacedOrder[],
  timeoutMs: number,
  onProgress: (terminal: number, total: number) => void,
): Promise<Map<string, OrderView>> {
  const finals = new Map<string, OrderView>();
  const deadline = Date.now() + timeoutMs;
  let open = placed.map((order) => order.orderId);
  while (open.length > 0) {
    const stillOpen: string[] = [];
    for (let start = 0; start < open.length; start += 16) {
      await Promise.all(
        open.slice(start, start + 16).map(async (orderId) => {
          const view = await getOrder(api, orderId);
          if (view) finals.set(orderId, view);
          if (view?.status !== 'COMPLETED' && view?.status !== 'CANCELLED') stillOpen.push(orderId);
        }),
      );
    }
    open = stillOpen;
    if (open.length === 0 || Date.now() > deadline) break;
    onProgress(placed.length - open.length, placed.length);
    await sleep(1_000);
  }
  return finals;
}

async function getOrder(api: string, orderId: string): Promise<OrderView | undefined> {
  try {
    const response = await fetch(`${api}/orders/${orderId}`, { signal: AbortSignal.timeout(10_000) });
    return response.status === 200 ? ((await response.json()) as OrderView) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every terminal order has exactly one email, of the kind its status implies: its outbox file
 * (`<orderId>.<kind>.json`, the customer's inbox) and no file of the other kind, and at most one
 * delivery of it in `sent.ndjson` (two would mean the sender delivered the same email twice).
 */
function checkEmails(outboxDir: string, placed: readonly PlacedOrder[], finals: Map<string, OrderView>): string[] {
  const sentLog = join(outboxDir, 'sent.ndjson');
  const deliveries = new Map<string, number>();
  if (existsSync(sentLog)) {
    for (const line of readFileSync(sentLog, 'utf8').split('\n').filter(Boolean)) {
      const { orderId, kind } = JSON.parse(line) as { orderId: string; kind: string };
      deliveries.set(`${orderId}.${kind}`, (deliveries.get(`${orderId}.${kind}`) ?? 0) + 1);
    }
  }
  const inbox = new Set(existsSync(outboxDir) ? readdirSync(outboxDir) : []);
  const problems: string[] = [];
  for (const order of placed) {
    const status = finals.get(order.orderId)?.status;
    if (status !== 'COMPLETED' && status !== 'CANCELLED') continue;
    const [expected, other] =
      status === 'COMPLETED' ? ['ORDER_COMPLETED', 'ORDER_CANCELLED'] : ['ORDER_CANCELLED', 'ORDER_COMPLETED'];
    if (!inbox.has(`${order.orderId}.${expected}.json`))
      problems.push(`${order.orderId} (${status}): no ${expected} email`);
    if (inbox.has(`${order.orderId}.${other}.json`)) problems.push(`${order.orderId} (${status}): also got ${other}`);
    const delivered = deliveries.get(`${order.orderId}.${expected}`) ?? 0;
    if (delivered > 1) problems.push(`${order.orderId} (${status}): ${expected} delivered ${delivered} times`);
  }
  return problems;
}

/** COMPLETED: charged the order total once, not refunded. CANCELLED: whatever was charged was refunded. */
async function checkMoney(
  dynamoDbPort: number,
  placed: readonly PlacedOrder[],
  finals: Map<string, OrderView>,
): Promise<string[]> {
  const client = localDynamoDbClient(`http://127.0.0.1:${dynamoDbPort}`);
  const documents = DynamoDBDocumentClient.from(client);
  try {
    const ledger = new Map<string, Record<string, { status?: string; amountCents?: number }>>();
    let startKey: Record<string, unknown> | undefined;
    // Local names are `<stack>-<logicalId>` (docs/local-runtime.md).
    const tableName = 'Orderstream-local-LedgerTable';
    do {
      const page = await documents.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        const entries = ledger.get(item.orderId) ?? {};
        entries[item.entry] = item.outcome;
        ledger.set(item.orderId, entries);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const problems: string[] = [];
    for (const order of placed) {
      const view = finals.get(order.orderId);
      const entries = ledger.get(order.orderId) ?? {};
      const charge = entries['PAYMENT#CHARGE'];
      const charged = charge?.status === 'APPROVED' ? (charge.amountCents ?? 0) : 0;
      const refunded = entries['PAYMENT#REFUND']?.amountCents ?? 0;
      if (view?.status === 'COMPLETED' && (charged !== view.totalCents || refunded !== 0)) {
        problems.push(`${order.orderId} COMPLETED: charged ${charged}, refunded ${refunded}, total ${view.totalCents}`);
      }
      if (view?.status === 'CANCELLED' && charged !== refunded) {
        problems.push(`${order.orderId} CANCELLED: charged ${charged}, refunded ${refunded}`);
      }
    }
    return problems;
  } finally {
    client.destroy();
  }
}

/** A small seeded PRNG, so a soak run's orders are the same every time. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
