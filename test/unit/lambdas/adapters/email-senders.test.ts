import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createEmailSender } from '../../../../lambdas/adapters/email-sender-factory';
import { LogEmailSender } from '../../../../lambdas/adapters/log-email-sender';
import { OutboxEmailSender, outboxFileName, SENT_LOG } from '../../../../lambdas/adapters/outbox-email-sender';
import { SesEmailSender } from '../../../../lambdas/adapters/ses-email-sender';
import type { OrderEmail } from '../../../../lambdas/domain/order-email';

const anEmail = (overrides: Partial<OrderEmail> = {}): OrderEmail => ({
  to: 'ada@example.com',
  subject: 'Your order o-1 is on its way',
  body: 'Thank you',
  orderId: 'o-1',
  kind: 'ORDER_COMPLETED',
  ...overrides,
});

describe('createEmailSender', () => {
  const deps = () => {
    const sesClient = jest.fn(() => new SESv2Client({ region: 'us-east-1' }));
    return { log: { info: jest.fn() }, sesClient };
  };

  it('writes to the outbox when an outbox folder is configured, even with a sender address', () => {
    // Prepare
    const d = deps();
    // Act
    const sender = createEmailSender({ outboxDir: '/tmp/outbox', fromAddress: 'shop@example.com' }, d);
    // Assess
    expect(sender).toBeInstanceOf(OutboxEmailSender);
    expect(d.sesClient).not.toHaveBeenCalled();
  });

  it('sends through SES v2 when only a sender address is configured', () => {
    // Prepare
    const d = deps();
    // Act
    const sender = createEmailSender({ fromAddress: 'shop@example.com' }, d);
    // Assess
    expect(sender).toBeInstanceOf(SesEmailSender);
    expect(d.sesClient).toHaveBeenCalledTimes(1);
  });

  it('only logs when nothing is configured', async () => {
    // Prepare
    const d = deps();
    // Act
    const sender = createEmailSender({}, d);
    await sender.send(anEmail());
    // Assess
    expect(sender).toBeInstanceOf(LogEmailSender);
    const { body, ...headers } = anEmail();
    expect(d.log.info).toHaveBeenCalledWith(expect.any(String), {
      email: { ...headers, to: 'a***@***', bodyLength: body.length }, // no recipient, no body in logs
    });
  });
});

describe('SesEmailSender', () => {
  it('sends a plain-text SendEmail from the configured address to the customer', async () => {
    // Prepare
    const client = new SESv2Client({ region: 'us-east-1' });
    const send = jest.spyOn(client, 'send').mockImplementation(async () => ({ MessageId: 'ses-1' }));
    // Act
    const result = await new SesEmailSender(client, 'shop@example.com').send(anEmail());
    // Assess
    expect(result).toEqual({ messageId: 'ses-1' });
    expect((send.mock.calls[0]![0] as { input: unknown }).input).toMatchObject({
      FromEmailAddress: 'shop@example.com',
      Destination: { ToAddresses: ['ada@example.com'] },
      Content: { Simple: { Subject: { Data: 'Your order o-1 is on its way' }, Body: { Text: { Data: 'Thank you' } } } },
    });
  });
});

describe('OutboxEmailSender', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outbox-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers each (order, kind) once, like a provider with an idempotency key, and logs each delivery', async () => {
    // Prepare
    const sender = new OutboxEmailSender(join(dir, 'outbox'));
    // Act
    await sender.send(anEmail());
    await sender.send(anEmail({ subject: 'a second send of the same email' }));
    await sender.send(anEmail({ kind: 'ORDER_CANCELLED', subject: 'cancelled' }));
    // Assess
    const files = (await readdir(join(dir, 'outbox'))).sort();
    expect(files).toEqual(['o-1.ORDER_CANCELLED.json', 'o-1.ORDER_COMPLETED.json', SENT_LOG]);
    const stored = JSON.parse(await readFile(join(dir, 'outbox', 'o-1.ORDER_COMPLETED.json'), 'utf8'));
    expect(stored).toEqual(anEmail());
    const sends = (await readFile(join(dir, 'outbox', SENT_LOG), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { orderId: string; kind: string });
    expect(sends.map(({ orderId, kind }) => `${orderId}/${kind}`)).toEqual([
      'o-1/ORDER_COMPLETED',
      'o-1/ORDER_CANCELLED',
    ]);
  });

  it('delivers once when the same email is sent concurrently', async () => {
    // Prepare
    const sender = new OutboxEmailSender(join(dir, 'outbox'));
    // Act
    await Promise.all(Array.from({ length: 8 }, () => sender.send(anEmail())));
    // Assess
    const sends = (await readFile(join(dir, 'outbox', SENT_LOG), 'utf8')).trim().split('\n');
    expect(sends).toHaveLength(1);
    expect((await readdir(join(dir, 'outbox'))).sort()).toEqual(['o-1.ORDER_COMPLETED.json', SENT_LOG]);
  });

  it('keeps file names safe whatever the order id contains', () => {
    // Act & Assess
    expect(outboxFileName('../etc/passwd', 'ORDER_COMPLETED')).toBe('___etc_passwd.ORDER_COMPLETED.json');
  });
});
