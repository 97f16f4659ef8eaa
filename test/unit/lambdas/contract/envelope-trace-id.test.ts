import { OrderApi, SERVICE_VIEWER } from '../../../../lambdas/api/order-api';
import { PlaceOrderRequestSchema } from '../../../../lambdas/api/schemas';
import { causedBy, originEvent, parseEnvelope } from '../../../../lambdas/contract/envelope';
import { decideSaga } from '../../../../lambdas/domain/order-saga';
import {
  anOrderRequest,
  anOrderView,
  InMemoryCatalog,
  InMemoryOrderReadModel,
  inMemoryIdempotency,
  RecordingPublisher,
} from '../../../helpers/api-fakes';
import { anOrderCreated } from '../../../helpers/order-events';

// The API request's X-Ray trace id rides in the envelope (optional `traceId`) and every record
// caused by a traced record carries it on, so one order's records all name the trace that started them.

const TRACE_ID = '1-5759e988-bd862e3fe1be46a994272793';

describe('envelope traceId', () => {
  it('is optional: records without it (older ones) stay valid, records with it keep it', () => {
    const withoutTrace = anOrderCreated();

    expect(parseEnvelope(JSON.stringify(withoutTrace)).traceId).toBeUndefined();
    expect(parseEnvelope(JSON.stringify({ ...withoutTrace, traceId: TRACE_ID })).traceId).toBe(TRACE_ID);
  });

  it.each([
    ['empty', ''],
    ['not a string', 42],
  ])('is refused when %s', (_case, traceId) => {
    expect(() => parseEnvelope(JSON.stringify({ ...anOrderCreated(), traceId }))).toThrow(/traceId/);
  });

  it('is carried by causedBy down a chain, and absent (not undefined) when the cause had none', () => {
    const created = { ...anOrderCreated(), traceId: TRACE_ID };

    const reserve = causedBy(created, { eventType: 'RESERVE_INVENTORY', payload: { items: [] } });
    const reserved = causedBy(reserve, { eventType: 'INVENTORY_RESERVED', payload: { items: [] } });
    const untraced = causedBy(anOrderCreated(), { eventType: 'RESERVE_INVENTORY', payload: { items: [] } });

    expect([reserve.traceId, reserved.traceId]).toEqual([TRACE_ID, TRACE_ID]);
    expect('traceId' in untraced).toBe(false);
    expect(
      'traceId' in
        originEvent({
          eventId: 'e',
          eventType: 'ORDER_CANCEL_REQUESTED',
          orderId: 'o',
          occurredAt: '2026-01-01T00:00:00Z',
          payload: { reason: 'CUSTOMER_REQUESTED' },
        }),
    ).toBe(false);
  });

  it('is copied by the saga onto the commands it issues for a traced ORDER_CREATED', () => {
    const created = { ...anOrderCreated(), traceId: TRACE_ID };

    const decision = decideSaga(undefined, created, '2026-01-01T10:00:01.000Z');

    expect(decision.kind).toBe('transition');
    const emitted = decision.kind === 'transition' ? decision.emit : [];
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.map((event) => event.traceId)).toEqual(emitted.map(() => TRACE_ID));
  });

  describe('set by the API on the records it starts', () => {
    const setUp = (traceId: string | undefined) => {
      const publisher = new RecordingPublisher();
      const orders = new InMemoryOrderReadModel();
      const api = new OrderApi({
        catalog: new InMemoryCatalog([
          { sku: 'SKU-A', available: 10, priceCents: 1250 },
          { sku: 'SKU-B', available: 10, priceCents: 500 },
        ]),
        publisher,
        orders,
        idempotent: inMemoryIdempotency(),
        traceId: () => traceId,
      });
      return { api, publisher, orders };
    };

    it('ORDER_CREATED and ORDER_CANCEL_REQUESTED carry the request trace id', async () => {
      const { api, publisher, orders } = setUp(TRACE_ID);

      const placed = await api.placeOrder(PlaceOrderRequestSchema.parse(anOrderRequest()), {
        caller: 'c',
        viewer: SERVICE_VIEWER,
      });
      orders.views.set(placed.orderId, anOrderView({ orderId: placed.orderId }));
      await api.requestCancellation(placed.orderId, SERVICE_VIEWER);

      expect(publisher.published.map((event) => [event.eventType, event.traceId])).toEqual([
        ['ORDER_CREATED', TRACE_ID],
        ['ORDER_CANCEL_REQUESTED', TRACE_ID],
      ]);
      for (const event of publisher.published) expect(parseEnvelope(JSON.stringify(event))).toEqual(event);
    });

    it('leave the field out when the request was not traced (tracing off, locally)', async () => {
      const { api, publisher } = setUp(undefined);

      await api.placeOrder(PlaceOrderRequestSchema.parse(anOrderRequest()), { caller: 'c', viewer: SERVICE_VIEWER });

      expect(Object.keys(publisher.published[0]!)).not.toContain('traceId');
    });
  });
});
