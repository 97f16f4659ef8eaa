/**
 * Benchmarks, run with `npm run bench`. Machines here are shared and noisy, so results
 * are reported as ratios of variants measured side by side, in alternating rounds.
 *
 * publish: KinesisEventPublisher (PutRecords, up to 500 per call) against one PutRecord
 * call per event, both on a real kinesis-mock. The design claim checked: batching is
 * what makes the local emulator (and a real stream's per-call overhead) fast enough.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisEventPublisher } from '../lambdas/adapters/kinesis-event-publisher';
import { deterministicEventId, type EventEnvelope } from '../lambdas/shared/envelope';
import { localKinesisClient } from '../lib/local/clients';
import { startEmulators } from '../lib/local/emulators';

const EVENTS_PER_ROUND = Number(process.env.BENCH_EVENTS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function events(round: number, variant: string): EventEnvelope[] {
  return Array.from({ length: EVENTS_PER_ROUND }, (_, i) => {
    const eventId = deterministicEventId(variant, String(round), String(i));
    return {
      eventId,
      eventType: 'ORDER_CREATED',
      eventVersion: 1,
      occurredAt: new Date().toISOString(),
      orderId: `order-${i % 200}`,
      correlationId: eventId,
      causationId: eventId,
      payload: { n: i, pad: 'x'.repeat(200) },
    };
  });
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function putOneByOne(kinesis: KinesisClient, stream: string, batch: EventEnvelope[]): Promise<void> {
  for (const event of batch) {
    await kinesis.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: event.orderId, Data: Buffer.from(JSON.stringify(event)) }),
    );
  }
}

async function main(): Promise<void> {
  const emulators = await startEmulators();
  const kinesis = localKinesisClient(emulators.kinesisEndpoint);
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'bench', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    while ((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'bench' }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') {
      await new Promise((r) => setTimeout(r, 100));
    }
    const publisher = new KinesisEventPublisher({ client: kinesis, streamName: 'bench' });
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so neither variant always runs on a warmer emulator.
      const batchedFirst = round % 2 === 0;
      let batchedMs = 0;
      let singleMs = 0;
      for (const variant of batchedFirst ? ['batched', 'single'] : ['single', 'batched']) {
        const data = events(round, variant);
        if (variant === 'batched') {
          batchedMs = await timed(async () => {
            for (let i = 0; i < data.length; i += 100) await publisher.publish(data.slice(i, i + 100));
          });
        } else {
          singleMs = await timed(() => putOneByOne(kinesis, 'bench', data));
        }
      }
      ratios.push(singleMs / batchedMs);
      console.log(
        `round ${round + 1}: PutRecords(100) ${Math.round((EVENTS_PER_ROUND / batchedMs) * 1000)} ev/s, ` +
          `PutRecord ${Math.round((EVENTS_PER_ROUND / singleMs) * 1000)} ev/s, speed-up x${(singleMs / batchedMs).toFixed(1)}`,
      );
    }
    ratios.sort((a, b) => a - b);
    console.log(`publish: batched PutRecords is x${ratios[Math.floor(ratios.length / 2)]!.toFixed(1)} faster than one PutRecord per event (median of ${ROUNDS} rounds, ${EVENTS_PER_ROUND} events each)`);
  } finally {
    kinesis.destroy();
    await emulators.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
