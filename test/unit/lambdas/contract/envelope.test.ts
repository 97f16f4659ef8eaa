import {
  causedBy,
  deterministicEventId,
  InvalidEnvelopeError,
  parseEnvelope,
} from '../../../../lambdas/contract/envelope';
import { anEnvelope } from '../../../helpers/kinesis-events';

describe('parseEnvelope', () => {
  it('accepts a complete envelope and returns it unchanged', () => {
    // Prepare
    const envelope = anEnvelope({ payload: { anything: 1 } });
    // Act
    const parsed = parseEnvelope(JSON.stringify(envelope));
    // Assess
    expect(parsed).toEqual(envelope);
  });

  it('rejects text that is not JSON with a clear message', () => {
    expect(() => parseEnvelope('{not json')).toThrow(/record data is not JSON/);
  });

  it.each([
    ['eventId', { eventId: '' }],
    ['eventType', { eventType: 'order-created' }],
    ['eventVersion', { eventVersion: 0 }],
    ['occurredAt', { occurredAt: 'yesterday' }],
    ['orderId', { orderId: '' }],
  ])('names the failing field %s', (field, override) => {
    const json = JSON.stringify({ ...anEnvelope(), ...override });
    try {
      parseEnvelope(json);
      throw new Error('expected parseEnvelope to throw');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEnvelopeError);
      expect((error as InvalidEnvelopeError).issues.some((issue) => issue.startsWith(`${field}:`))).toBe(true);
    }
  });

  it('rejects an envelope without payload', () => {
    const { payload: _payload, ...withoutPayload } = anEnvelope();
    expect(() => parseEnvelope(JSON.stringify(withoutPayload))).toThrow(/payload/);
  });
});

describe('causedBy', () => {
  it('keeps the order and correlation, points causation at the cause', () => {
    const cause = anEnvelope();
    const next = causedBy(cause, { eventType: 'RESERVE_INVENTORY', payload: { items: [] } });
    expect(next).toMatchObject({
      orderId: cause.orderId,
      correlationId: cause.correlationId,
      causationId: cause.eventId,
      eventType: 'RESERVE_INVENTORY',
      eventVersion: 1,
    });
    expect(() => parseEnvelope(JSON.stringify(next))).not.toThrow();
  });

  it('derives the same eventId when the same cause is processed again', () => {
    const cause = anEnvelope();
    const first = causedBy(cause, { eventType: 'RELEASE_INVENTORY', payload: {} });
    const again = causedBy(cause, { eventType: 'RELEASE_INVENTORY', payload: {} });
    expect(again.eventId).toBe(first.eventId);
  });

  it('derives different eventIds for different types or causes', () => {
    const cause = anEnvelope();
    const ids = new Set([
      causedBy(cause, { eventType: 'REFUND_PAYMENT', payload: {} }).eventId,
      causedBy(cause, { eventType: 'RELEASE_INVENTORY', payload: {} }).eventId,
      causedBy(anEnvelope(), { eventType: 'REFUND_PAYMENT', payload: {} }).eventId,
    ]);
    expect(ids.size).toBe(3);
  });
});

describe('deterministicEventId', () => {
  it('is UUID-shaped', () => {
    expect(deterministicEventId('a', 'b')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('does not collide when parts are joined differently', () => {
    expect(deterministicEventId('ab', 'c')).not.toBe(deterministicEventId('a', 'bc'));
  });
});
