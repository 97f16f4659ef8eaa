import type { EventEnvelope } from '../../../../lambdas/contract/envelope';
import type { EventPayload } from '../../../../lambdas/contract/events';
import { EmailInProgressError, OrderEmailService } from '../../../../lambdas/email/order-email-service';
import { SILENT_LOG } from '../../../../lambdas/ports/log';
import { InMemoryEmailLedger, RecordingEmailSender } from '../../../helpers/email-fakes';
import { anOrderCreated, outcomeOf } from '../../../helpers/order-events';

function terminalEvents() {
  const created = anOrderCreated();
  const { customerId, email, items, totalCents, currency } = created.payload;
  const summary = { customerId, email, items, totalCents, currency };
  return {
    completed: outcomeOf(created, 'ORDER_COMPLETED', summary),
    cancelled: outcomeOf(created, 'ORDER_CANCELLED', { ...summary, reason: 'SHIPPING_FAILED' as const }),
  };
}

function anEmailService() {
  const ledger = new InMemoryEmailLedger();
  const sender = new RecordingEmailSender();
  const clock = { now: 1_000_000 };
  const service = new OrderEmailService(ledger, sender, SILENT_LOG, {
    nowMs: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms;
    },
    leaseMs: 10_000,
    maxWaitMs: 12_000,
  });
  return { ledger, sender, clock, service };
}

describe('OrderEmailService', () => {
  it('sends a confirmation with the items and total when the order completes', async () => {
    // Prepare
    const { sender, service } = anEmailService();
    const { completed } = terminalEvents();
    // Act
    const result = await service.onOrderCompleted(completed);
    // Assess
    expect(result).toBe('sent');
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]).toMatchObject({
      to: 'ada@example.com',
      orderId: completed.orderId,
      kind: 'ORDER_COMPLETED',
    });
    expect(sender.sent[0]!.body).toContain('2 x SKU-A at 12.50 EUR');
    expect(sender.sent[0]!.body).toContain('Total: 30.00 EUR');
  });

  it('sends a cancellation notice that states the reason', async () => {
    // Prepare
    const { sender, service } = anEmailService();
    const { cancelled } = terminalEvents();
    // Act
    await service.onOrderCancelled(cancelled);
    // Assess
    expect(sender.sent[0]).toMatchObject({ kind: 'ORDER_CANCELLED', subject: expect.stringContaining('cancelled') });
    expect(sender.sent[0]!.body).toContain('SHIPPING_FAILED');
  });

  it('sends each email once however often the event is delivered', async () => {
    // Prepare
    const { sender, service } = anEmailService();
    const { completed } = terminalEvents();
    // Act
    const results = [await service.onOrderCompleted(completed), await service.onOrderCompleted(completed)];
    // Assess
    expect(results).toEqual(['sent', 'already-sent']);
    expect(sender.sent).toHaveLength(1);
  });

  it('releases the claim when the send fails, so the retry sends', async () => {
    // Prepare
    const { sender, service } = anEmailService();
    const { cancelled } = terminalEvents();
    sender.failNext = 1;
    // Act
    await expect(service.onOrderCancelled(cancelled)).rejects.toThrow('provider unavailable');
    const retry = await service.onOrderCancelled(cancelled);
    // Assess
    expect(retry).toBe('sent');
    expect(sender.sent).toHaveLength(1);
  });

  it('takes over a claim left by a crashed attempt once its lease expires', async () => {
    // Prepare
    const { ledger, sender, clock, service } = anEmailService();
    const { completed } = terminalEvents();
    await ledger.claim(completed.orderId, 'ORDER_COMPLETED', 'crashed-attempt', clock.now, 10_000);
    // Act
    const result = await service.onOrderCompleted(completed);
    // Assess
    expect(result).toBe('sent');
    expect(sender.sent).toHaveLength(1);
    expect(clock.now).toBeGreaterThanOrEqual(1_010_000);
  });

  it('fails the record instead of waiting longer than allowed for another attempt', async () => {
    // Prepare
    const { ledger, sender, clock, service } = anEmailService();
    const { completed } = terminalEvents();
    await ledger.claim(completed.orderId, 'ORDER_COMPLETED', 'other-attempt', clock.now, 60_000);
    // Act & Assess
    await expect(
      service.onOrderCompleted(completed as EventEnvelope<EventPayload<'ORDER_COMPLETED'>>),
    ).rejects.toBeInstanceOf(EmailInProgressError);
    expect(sender.sent).toEqual([]);
  });
});
