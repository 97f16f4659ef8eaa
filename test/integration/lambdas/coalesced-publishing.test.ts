import type { EventEnvelope } from '../../../lambdas/contract/envelope';
import { createActiveStream, createTable, pointSdkAtEmulators, readEnvelopes } from '../../helpers/emulator-resources';
import { useEmulators } from '../../helpers/emulators';
import { consumerOn } from '../../helpers/functions';
import { aKinesisEvent, aLambdaContext, anEnvelope } from '../../helpers/kinesis-events';
import { outcomeOf } from '../../helpers/order-events';

const STREAM = 'orderstream-coalesced-test';
const ORDERS = 40;

/**
 * The payment consumer composed as deployed (the stream consumer, 32 orders at once, the
 * coalescing publisher over the functions' Kinesis client) on kinesis-mock and DynamoDB
 * Local: a batch of 40 orders, each charged then refunded, publishes its 80 outcomes in far
 * fewer PutRecords calls than records, every outcome once, each order's in order.
 */
describe('coalesced publishing of a consumer batch, on the emulators', () => {
  const fixture = useEmulators();

  it('publishes every outcome of a concurrent batch once, in per-order order, in fewer calls than records', async () => {
    // Prepare
    const { kinesis, dynamodb, emulators } = fixture();
    await createActiveStream(kinesis, STREAM);
    await createTable(dynamodb, 'coalesced-ledger', [
      ['orderId', 'HASH'],
      ['entry', 'RANGE'],
    ]);
    const restoreEnv = pointSdkAtEmulators(emulators);
    let putCalls = 0;
    const handler = consumerOn('payment', {
      dynamodb,
      kinesisEndpoint: emulators.kinesisEndpoint,
      streamName: STREAM,
      tables: { ledger: 'coalesced-ledger' },
      onKinesisClient: (client) =>
        client.middlewareStack.add(
          (next) => async (args) => {
            putCalls++;
            return next(args);
          },
          { step: 'finalizeRequest', name: 'countPuts' },
        ),
    });
    const records: EventEnvelope[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const charge = anEnvelope({
        orderId: `coalesced-${i}`,
        eventType: 'PROCESS_PAYMENT',
        payload: { customerId: 'c-1', amountCents: 1_000 + i, currency: 'EUR' },
      });
      records.push(charge, outcomeOf(charge, 'REFUND_PAYMENT', {}));
    }

    try {
      // Act
      const response = await handler(aKinesisEvent(records), aLambdaContext('payment'));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const published = await readEnvelopes(kinesis, STREAM);
      expect(published).toHaveLength(2 * ORDERS);
      for (let i = 0; i < ORDERS; i++) {
        const ofThisOrder = published.filter((record) => record.envelope.orderId === `coalesced-${i}`);
        expect(ofThisOrder.map((record) => record.envelope.eventType)).toEqual([
          'PAYMENT_PROCESSED',
          'PAYMENT_REFUNDED',
        ]);
        expect(ofThisOrder[1]!.envelope.payload).toMatchObject({ amountCents: 1_000 + i });
      }
      // one call per record without coalescing; the refunds wait for their charges, so at least two rounds
      expect(putCalls).toBeGreaterThanOrEqual(2);
      expect(putCalls).toBeLessThan(ORDERS);
    } finally {
      restoreEnv();
    }
  });
});
