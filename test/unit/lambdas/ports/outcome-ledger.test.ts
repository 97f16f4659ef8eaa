import { outcomeOnce } from '../../../../lambdas/ports/outcome-ledger';
import { InMemoryLedger } from '../../../helpers/api-fakes';

const entry = { orderId: 'order-1', entry: 'PAYMENT#CHARGE', effect: 'charge', attemptedMessage: 'charge attempted' };

describe('outcomeOnce', () => {
  it('attempts and records when nothing is on record, then answers from the record without attempting', async () => {
    // Prepare
    const ledger = new InMemoryLedger();
    const log = { info: jest.fn() };
    const attempt = jest.fn(async () => ({ status: 'APPROVED', paymentId: 'pay-1' }));

    // Act
    const first = await outcomeOnce(ledger, log, entry, attempt);
    const again = await outcomeOnce(ledger, log, entry, attempt);

    // Assess
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(again).toEqual(first);
    expect(log.info.mock.calls.map(([message]) => message)).toEqual([
      'charge attempted',
      'charge already on record; republishing its outcome',
    ]);
  });

  it('returns the outcome a concurrent attempt recorded first, not its own', async () => {
    // Prepare: another delivery records while this one is attempting
    const ledger = new InMemoryLedger();
    const attempt = async () => {
      await ledger.recordOnce('order-1', 'PAYMENT#CHARGE', { status: 'DECLINED', reason: 'first' });
      return { status: 'DECLINED', reason: 'second' };
    };

    // Act
    const outcome = await outcomeOnce(ledger, { info: () => undefined }, entry, attempt);

    // Assess
    expect(outcome).toEqual({ status: 'DECLINED', reason: 'first' });
  });
});
