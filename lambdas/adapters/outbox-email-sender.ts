import { randomUUID } from 'node:crypto';
import { appendFile, link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OrderEmail } from '../domain/order-email';
import type { EmailSender } from '../ports/email-sender';

/**
 * Delivers each email as one JSON file `{to, subject, body, orderId, kind}` in a folder (the
 * local runtime's `.orderstream/outbox/`, the customers' inboxes). Like a provider that takes
 * an idempotency key, it delivers each (orderId, kind) once: the file is written under a
 * temporary name and hard-linked to `<orderId>.<kind>.json`, which fails when it exists, so
 * a second send of the same email (a redelivery after a crash between sending and the email
 * ledger recording it) delivers nothing, and a reader never sees half a file. Each delivery
 * appends one line `{orderId, kind, at}` to `sent.ndjson` (after the link: a crash between the
 * two leaves a delivery unlogged, never a second delivery).
 */
export class OutboxEmailSender implements EmailSender {
  public constructor(private readonly directory: string) {}

  public async send(email: OrderEmail): Promise<{ messageId?: string }> {
    await mkdir(this.directory, { recursive: true });
    const name = outboxFileName(email.orderId, email.kind);
    const temporary = join(this.directory, `${name}.${randomUUID()}.tmp`);
    const { to, subject, body, orderId, kind } = email;
    await writeFile(temporary, `${JSON.stringify({ to, subject, body, orderId, kind }, null, 2)}\n`, 'utf8');
    try {
      await link(temporary, join(this.directory, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { messageId: name };
    } finally {
      await unlink(temporary);
    }
    await appendFile(
      join(this.directory, SENT_LOG),
      `${JSON.stringify({ orderId, kind, at: new Date().toISOString() })}\n`,
      'utf8',
    );
    return { messageId: name };
  }
}

/** One line per email delivered, in the outbox folder. */
export const SENT_LOG = 'sent.ndjson';

/** `<orderId>.<kind>.json`, with anything but [A-Za-z0-9_-] in the order id replaced by `_`. */
export function outboxFileName(orderId: string, kind: string): string {
  return `${orderId.replace(/[^A-Za-z0-9_-]/g, '_')}.${kind}.json`;
}
