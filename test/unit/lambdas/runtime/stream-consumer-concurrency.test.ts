import type { KinesisStreamEvent } from 'aws-lambda';
import type { EventEnvelope } from '../../../../lambdas/contract/envelope';
import { logger } from '../../../../lambdas/runtime/powertools';
import { createStreamConsumer, keyedQueue } from '../../../../lambdas/runtime/stream-consumer';
import { aKinesisEvent, aLambdaContext, anEnvelope } from '../../../helpers/kinesis-events';

/** One record of `orderId`, named `name` (its eventId) so assertions read like the batch. */
const rec = (orderId: string, name: string): EventEnvelope =>
  anEnvelope({ orderId, eventId: name, eventType: 'RELEASE_INVENTORY', payload: {} });

/** Lets every pending promise callback run (the consumer does no I/O here, only promise hops). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A consumer whose handler records when each record starts and finishes and finishes only
 * when the test says so (`finish(name)` resolves, `fail(name)` rejects).
 */
function gatedConsumer(concurrency?: number) {
  const log: string[] = [];
  const gates = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  let inFlight = 0;
  let maxInFlight = 0;
  const handle = async (event: EventEnvelope): Promise<void> => {
    log.push(`start ${event.eventId}`);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise<void>((resolve, reject) => gates.set(event.eventId, { resolve, reject }));
      log.push(`end ${event.eventId}`);
    } finally {
      inFlight--;
    }
  };
  const handler = createStreamConsumer({ handlers: { RELEASE_INVENTORY: handle }, faults: null, concurrency });
  const gate = (name: string) => {
    const found = gates.get(name);
    if (!found) throw new Error(`${name} has not started; started: ${[...gates.keys()].join(', ')}`);
    return found;
  };
  return {
    handler,
    log,
    started: () => log.filter((line) => line.startsWith('start')).map((line) => line.slice(6)),
    maxInFlight: () => maxInFlight,
    finish: async (name: string) => {
      gate(name).resolve();
      await settle();
    },
    fail: async (name: string) => {
      gate(name).reject(new Error(`${name} failed`));
      await settle();
    },
  };
}

function failedNames(response: { batchItemFailures: { itemIdentifier: string }[] }, event: KinesisStreamEvent) {
  const nameBySequence = new Map(
    event.Records.map((record) => [
      record.kinesis.sequenceNumber,
      JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')).eventId as string,
    ]),
  );
  return response.batchItemFailures.map((failure) => nameBySequence.get(failure.itemIdentifier));
}

describe('createStreamConsumer, records of different orders at once', () => {
  it('starts the first record of several orders together, and an order’s next record only after its previous one', async () => {
    // Prepare
    const consumer = gatedConsumer(8);
    const batch = aKinesisEvent([rec('A', 'a1'), rec('B', 'b1'), rec('A', 'a2'), rec('C', 'c1'), rec('A', 'a3')]);
    // Act
    const done = consumer.handler(batch, aLambdaContext());
    await settle();
    // Assess: one record per order in flight
    expect(consumer.started()).toEqual(['a1', 'b1', 'c1']);
    await consumer.finish('b1');
    await consumer.finish('c1');
    expect(consumer.started()).toEqual(['a1', 'b1', 'c1']);
    await consumer.finish('a1');
    expect(consumer.started()).toEqual(['a1', 'b1', 'c1', 'a2']);
    await consumer.finish('a2');
    await consumer.finish('a3');
    expect((await done).batchItemFailures).toEqual([]);
    expect(consumer.log.filter((line) => line.includes(' a'))).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
      'start a3',
      'end a3',
    ]);
  });

  it('keeps at most `concurrency` records in flight and gives a freed slot to the first order waiting', async () => {
    // Prepare
    const consumer = gatedConsumer(2);
    const batch = aKinesisEvent([rec('A', 'a1'), rec('B', 'b1'), rec('C', 'c1'), rec('D', 'd1'), rec('A', 'a2')]);
    // Act
    const done = consumer.handler(batch, aLambdaContext());
    await settle();
    expect(consumer.started()).toEqual(['a1', 'b1']);
    await consumer.finish('b1');
    expect(consumer.started()).toEqual(['a1', 'b1', 'c1']);
    await consumer.finish('a1');
    // d1 queued for a slot before a2 could (a2 waited for a1)
    expect(consumer.started()).toEqual(['a1', 'b1', 'c1', 'd1']);
    await consumer.finish('c1');
    await consumer.finish('d1');
    await consumer.finish('a2');
    // Assess
    expect((await done).batchItemFailures).toEqual([]);
    expect(consumer.maxInFlight()).toBe(2);
  });

  it('with concurrency 1 processes the batch one record at a time in stream order', async () => {
    const consumer = gatedConsumer(1);
    const names = ['a1', 'b1', 'a2', 'c1'];
    const batch = aKinesisEvent(names.map((name) => rec(name[0]!.toUpperCase(), name)));
    const done = consumer.handler(batch, aLambdaContext());
    for (const name of names) {
      await settle();
      await consumer.finish(name);
    }
    await done;
    expect(consumer.log).toEqual(names.flatMap((name) => [`start ${name}`, `end ${name}`]));
  });

  it('reads its default from ORDERSTREAM_CONSUMER_CONCURRENCY, else 32', async () => {
    const inFlightOf = async (): Promise<number> => {
      const consumer = gatedConsumer();
      const names = Array.from({ length: 40 }, (_, i) => `k${i}`);
      const done = consumer.handler(aKinesisEvent(names.map((name) => rec(name, name))), aLambdaContext());
      for (const name of names) {
        await settle();
        await consumer.finish(name);
      }
      await done;
      return consumer.maxInFlight();
    };
    expect(await inFlightOf()).toBe(32);
    process.env.ORDERSTREAM_CONSUMER_CONCURRENCY = '3';
    try {
      expect(await inFlightOf()).toBe(3);
      process.env.ORDERSTREAM_CONSUMER_CONCURRENCY = '0';
      expect(() => createStreamConsumer({ handlers: {}, faults: null })).toThrow(/ORDERSTREAM_CONSUMER_CONCURRENCY/);
    } finally {
      delete process.env.ORDERSTREAM_CONSUMER_CONCURRENCY;
    }
  });

  it('reports a failure at its sequence number with the later records of its order only, whatever finishes first', async () => {
    // Prepare: b2 fails while a and c records are still in flight
    const consumer = gatedConsumer(4);
    const batch = aKinesisEvent([
      rec('A', 'a1'),
      rec('B', 'b1'),
      rec('B', 'b2'),
      rec('C', 'c1'),
      rec('A', 'a2'),
      rec('B', 'b3'),
      rec('C', 'c2'),
      rec('B', 'b4'),
    ]);
    // Act
    const done = consumer.handler(batch, aLambdaContext());
    await settle();
    await consumer.finish('c1');
    await consumer.finish('b1');
    await consumer.fail('b2');
    await consumer.finish('c2');
    await consumer.finish('a1');
    await consumer.finish('a2');
    const response = await done;
    // Assess: b3 and b4 never ran; they are failed with b2, in stream order; nothing else failed
    expect(failedNames(response, batch)).toEqual(['b2', 'b3', 'b4']);
    expect(consumer.started()).not.toContain('b3');
    expect(consumer.started()).not.toContain('b4');
  });

  it('writes each record’s log lines with its own orderId, eventId and eventType while others run', async () => {
    // Prepare: capture the JSON lines the logger writes
    const lines: Record<string, unknown>[] = [];
    const capture = (chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      return true;
    };
    const writes = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation(capture),
    );
    logger.setLogLevel('INFO');
    const gates = new Map<string, () => void>();
    const handler = createStreamConsumer({
      faults: null,
      handlers: {
        RELEASE_INVENTORY: async (event) => {
          logger.info('before');
          await new Promise<void>((resolve) => gates.set(event.eventId, resolve));
          logger.info('after', { seen: event.eventId });
        },
        REFUND_PAYMENT: async (event) => {
          logger.info('refund', { seen: event.eventId });
          throw new Error('refund failed');
        },
      },
    });
    const refund = anEnvelope({ orderId: 'C', eventId: 'c1', eventType: 'REFUND_PAYMENT', payload: {} });
    try {
      // Act: b1 finishes while a1 still waits
      const done = handler(aKinesisEvent([rec('A', 'a1'), rec('B', 'b1'), refund]), aLambdaContext());
      await settle();
      gates.get('b1')!();
      await settle();
      gates.get('a1')!();
      await done;
      logger.info('after the batch');
    } finally {
      for (const write of writes) write.mockRestore();
      logger.setLogLevel('SILENT');
    }
    // Assess
    const keysOf = (line: Record<string, unknown>) => [line.message, line.orderId, line.eventId, line.eventType];
    expect(lines.map(keysOf)).toEqual([
      ['before', 'A', 'a1', 'RELEASE_INVENTORY'],
      ['before', 'B', 'b1', 'RELEASE_INVENTORY'],
      ['refund', 'C', 'c1', 'REFUND_PAYMENT'],
      ['record failed', 'C', 'c1', 'REFUND_PAYMENT'],
      ['after', 'B', 'b1', 'RELEASE_INVENTORY'],
      ['after', 'A', 'a1', 'RELEASE_INVENTORY'],
      ['after the batch', undefined, undefined, undefined],
    ]);
    expect(lines.filter((line) => line.seen).every((line) => line.seen === line.eventId)).toBe(true);
    expect(lines.every((line) => line.function_name === 'orderstream-test')).toBe(true);
  });
});

describe('keyedQueue', () => {
  it('runs the next task of a key after a failed one, and forgets keys with nothing queued', async () => {
    const queue = keyedQueue(2);
    const order: string[] = [];
    const first = queue('k', async () => {
      order.push('first');
      throw new Error('boom');
    });
    const second = queue('k', async () => void order.push('second'));
    await expect(first).rejects.toThrow('boom');
    await second;
    expect(order).toEqual(['first', 'second']);
  });
});
