/**
 * `npm run load -- <apiUrl> [--clients N] [--seconds S] [--warmup S]`: closed-loop clients drive
 * a running `npm start` over HTTP only, as customers would: each POSTs an order, polls GET
 * /orders/{id} every 500 ms until it is COMPLETED or CANCELLED, and starts again. Prints
 * orders/s finished inside the measured window (after the warm-up), p50/p95 POST -> terminal,
 * statuses, and what was lost (not terminal within 3 minutes) or refused.
 *
 * It needs nothing but the HTTP API, so the same run can be pointed at any version of the
 * project: that is how the issue-9 comparison was made (docs/benchmarks.md, "End to end"), with `npm start`
 * of an older commit in a git worktree and of this one, alternating on the same machine.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { postOrder } from './place-order';
import { percentile } from './report';

const SKU = 'LOAD-SKU';
const POLL_MS = 500;
const GIVE_UP_MS = 180_000;

interface Finished {
  readonly placedAt: number;
  readonly doneAt: number;
  readonly status: string;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      clients: { type: 'string', default: '128' },
      seconds: { type: 'string', default: '60' },
      warmup: { type: 'string', default: '10' },
    },
  });
  const apiUrl = positionals[0]?.replace(/\/$/, '');
  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  if (!apiUrl || !(clients > 0) || !(seconds > warmup) || !(warmup >= 0)) {
    throw new Error('usage: npm run load -- <apiUrl> [--clients N] [--seconds S] [--warmup S] (seconds > warmup)');
  }
  // A SKU no order can exhaust, so every order takes the full happy path.
  const stock = await fetch(`${apiUrl}/inventory/${SKU}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ available: 1_000_000, priceCents: 1250 }),
  });
  if (!stock.ok) throw new Error(`PUT /inventory/${SKU}: ${stock.status} ${await stock.text()}`);

  const finished: Finished[] = [];
  let placed = 0;
  let lost = 0;
  let refused = 0;
  const start = Date.now();
  const windowStart = start + warmup * 1000;
  const windowEnd = start + seconds * 1000;

  const placeAndWait = async (): Promise<void> => {
    const placedAt = Date.now();
    const { orderId } = await postOrder(apiUrl, `load-${++placed}`, SKU);
    if (!orderId) {
      refused++;
      return;
    }
    while (Date.now() - placedAt < GIVE_UP_MS) {
      await sleep(POLL_MS);
      const view = await fetch(`${apiUrl}/orders/${orderId}`);
      if (view.status !== 200) continue; // 404 until the projector has it
      const { status } = (await view.json()) as { status: string };
      if (status === 'COMPLETED' || status === 'CANCELLED') {
        finished.push({ placedAt, doneAt: Date.now(), status });
        return;
      }
    }
    lost++;
  };
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < windowEnd) await placeAndWait();
    }),
  );

  const inWindow = finished.filter((order) => order.doneAt >= windowStart && order.doneAt < windowEnd);
  const latencies = finished
    .filter((order) => order.placedAt >= windowStart)
    .map((order) => order.doneAt - order.placedAt);
  const statuses: Record<string, number> = {};
  for (const order of finished) statuses[order.status] = (statuses[order.status] ?? 0) + 1;
  console.log(
    JSON.stringify({
      clients,
      measuredSeconds: seconds - warmup,
      ordersPerSecond: Number((inWindow.length / (seconds - warmup)).toFixed(2)),
      p50Ms: latencies.length > 0 ? percentile(latencies, 50) : null,
      p95Ms: latencies.length > 0 ? percentile(latencies, 95) : null,
      statuses,
      lost,
      refused,
    }),
  );
  if (lost > 0) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
