import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OrderEmail } from '../domain/order-email';
import type { EmailSender } from '../ports/email-sender';

/**
 * Writes each email as one JSON file `{to, subject, body, orderId, kind}` into a folder
 * (the local runtime's `.orderstream/outbox/`). The file name is a function of
 * (orderId, kind) only, so sending the same email again overwrites it instead of
 * adding a second one. Written to a temporary name and renamed, so a reader never sees
 * half a file. Every send also appends one line `{orderId, kind, at}` to `sent.ndjson`, so a
 * second send of the same email (the crash window the email ledger documents) can be counted.
 */
export class OutboxEmailSender implements EmailSender {
  public constructor(private readonly directory: string) {}

  public async send(email: OrderEmail): Promise<{ messageId?: string }> {
    await mkdir(this.directory, { recursive: true });
    const name = outboxFileName(email.orderId, email.kind);
    const path = join(this.directory, name);
    const temporary = `${path}.${process.pid}.tmp`;
    const { to, subject, body, orderId, kind } = email;
    await writeFile(temporary, `${JSON.stringify({ to, subject, body, orderId, kind }, null, 2)}\n`, 'utf8');
    await rename(temporary, path);
    await appendFile(
      join(this.directory, SENT_LOG),
      `${JSON.stringify({ orderId, kind, at: new Date().toISOString() })}\n`,
      'utf8',
    );
    return { messageId: name };
  }
}

/** One line per email sent, in the outbox folder. */
export const SENT_LOG = 'sent.ndjson';

/** `<orderId>.<kind>.json`, with anything but [A-Za-z0-9_-] in the order id replaced by `_`. */
export function outboxFileName(orderId: string, kind: string): string {
  return `${orderId.replace(/[^A-Za-z0-9_-]/g, '_')}.${kind}.json`;
}
