import type { Logger } from '@aws-lambda-powertools/logger';
import { anOrderCreated } from '../../../helpers/order-events';

// Personal data never reaches a log line in full: the lines below are the ones the real function
// logger (lambdas/runtime/powertools.ts) and the log-only email sender write, captured from stdout.

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_DEV = '';
const powertools =
  require('../../../../lambdas/runtime/powertools') as typeof import('../../../../lambdas/runtime/powertools');
const { LogEmailSender } =
  require('../../../../lambdas/adapters/log-email-sender') as typeof import('../../../../lambdas/adapters/log-email-sender');
const { confirmationEmail } =
  require('../../../../lambdas/domain/order-email') as typeof import('../../../../lambdas/domain/order-email');
const masking = require('../../../../lambdas/runtime/masking') as typeof import('../../../../lambdas/runtime/masking');

const EMAIL = 'ada.lovelace@example.com';
const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '12 St James Sq',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};
const PERSONAL = [EMAIL, 'Ada Lovelace', '12 St James Sq', 'SW1Y 4JH'];

/** The JSON lines `log` writes to stdout/stderr. */
function linesOf(log: () => void): string[] {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    log();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}

const expectNoPersonalData = (lines: readonly string[]): void => {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) for (const personal of PERSONAL) expect(line).not.toContain(personal);
};

describe('personal data masked in logs', () => {
  const logger: Logger = powertools.logger;
  const created = anOrderCreated({ email: EMAIL, shippingAddress: ADDRESS });

  it('a logged ORDER_CREATED keeps the order but not the email, name or address', () => {
    const lines = linesOf(() => logger.info('record received', { record: created }));

    expectNoPersonalData(lines);
    const item = JSON.parse(lines[0]!);
    expect(item.record.orderId).toBe(created.orderId);
    expect(item.record.payload.items).toEqual(created.payload.items);
    expect(item.record.payload.email).toBe('a***@***');
    expect(item.record.payload.shippingAddress).toBe('***');
  });

  it('inside a record scope (the child logger of a consumer) too', () => {
    const lines = linesOf(() =>
      powertools.withRecordLogKeys({ orderId: created.orderId }, () =>
        logger.warn('address rejected', { address: ADDRESS, to: EMAIL }),
      ),
    );

    expectNoPersonalData(lines);
    expect(JSON.parse(lines[0]!)).toMatchObject({ orderId: created.orderId, address: '***', to: 'a***@***' });
  });

  it("an error's message and stack are masked, its name kept (the saved errors query groups by it)", () => {
    class PoisonRecordError extends Error {
      public readonly name = 'PoisonRecordError';
    }
    const lines = linesOf(() =>
      logger.error('record failed', { error: new PoisonRecordError(`payload.email: ${EMAIL} rejected`) }),
    );

    expectNoPersonalData(lines);
    const item = JSON.parse(lines[0]!);
    expect(item.error.name).toBe('PoisonRecordError');
    expect(item.error.message).toBe('payload.email: a***@*** rejected');
  });

  it('texts and non-personal "to"/"name" fields are left alone', () => {
    const lines = linesOf(() =>
      logger.info(`mail for ${EMAIL} queued`, { transition: { from: 'PENDING', to: 'PAID' }, sku: { name: 'Mug' } }),
    );

    expectNoPersonalData(lines);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      message: 'mail for a***@*** queued',
      transition: { from: 'PENDING', to: 'PAID' },
      sku: { name: 'Mug' },
    });
  });

  it('the log-only email sender logs the email without its recipient or body', async () => {
    const sender = new LogEmailSender(logger);
    const { customerId, items, totalCents, currency } = created.payload;
    const email = confirmationEmail(created.orderId, { customerId, email: EMAIL, items, totalCents, currency });
    let sent: Promise<unknown> = Promise.resolve();

    const lines = linesOf(() => {
      sent = sender.send({ ...email, body: `${email.body}\nShip to: ${Object.values(ADDRESS).join(', ')}` });
    });
    await sent;

    expectNoPersonalData(lines);
    expect(JSON.parse(lines[0]!).email).toMatchObject({
      to: 'a***@***',
      orderId: created.orderId,
      kind: 'ORDER_COMPLETED',
      subject: email.subject,
    });
  });

  it('masks addresses in text, not package paths in stack traces', () => {
    expect(masking.maskEmailsIn('to ada.lovelace+shop@mail.example.co.uk, cc bob@x.io.')).toBe(
      'to a***@***, cc b***@***.',
    );
    const frame = 'at send (/var/task/node_modules/@aws-sdk/client-sesv2/dist-cjs/index.js:12:3)';
    expect(masking.maskEmailsIn(frame)).toBe(frame);
  });

  it('maskPersonalData masks at any depth, in arrays, and copies (the input is untouched)', () => {
    const input = { orders: [{ email: 'not-an-address', shippingAddress: ADDRESS, notes: [`cc ${EMAIL}`] }] };

    expect(masking.maskPersonalData(input)).toEqual({
      orders: [{ email: '***', shippingAddress: '***', notes: ['cc a***@***'] }],
    });
    expect(input.orders[0]!.shippingAddress).toBe(ADDRESS);
  });
});
