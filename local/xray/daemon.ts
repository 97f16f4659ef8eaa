import { createSocket, type Socket } from 'node:dgram';
import type { SegmentDocument, SegmentStore } from './segment-store';

/**
 * A local X-Ray daemon: receives what the functions' X-Ray SDK sends to AWS_XRAY_DAEMON_ADDRESS,
 * one UDP datagram per document: a JSON header line `{"format":"json","version":1}`, a newline,
 * then the segment document (xray-api-sendingdata, "Sending segment documents to the X-Ray
 * daemon"). Documents go to the store; anything else is counted and dropped, as the daemon does.
 * Bound to 127.0.0.1 only.
 */
export class LocalXRayDaemon {
  private rejected = 0;

  private constructor(
    private readonly socket: Socket,
    /** `127.0.0.1:<port>`: the value of AWS_XRAY_DAEMON_ADDRESS. */
    public readonly address: string,
  ) {}

  public static async listen(store: SegmentStore, options: { port?: number } = {}): Promise<LocalXRayDaemon> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, '127.0.0.1', () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
    const daemon = new LocalXRayDaemon(socket, `127.0.0.1:${socket.address().port}`);
    socket.on('message', (message) => {
      const document = parseDatagram(message);
      if (document) store.put(document);
      else daemon.rejected++;
    });
    // A malformed datagram must not take the runtime down.
    socket.on('error', () => undefined);
    return daemon;
  }

  /** Datagrams that were not a segment document. */
  public get rejectedDatagrams(): number {
    return this.rejected;
  }

  public stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The document of one daemon datagram, or undefined when it is not one. */
export function parseDatagram(message: Buffer): SegmentDocument | undefined {
  const text = message.toString('utf8');
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const header = JSON.parse(text.slice(0, newline)) as { format?: unknown; version?: unknown };
    if (header.format !== 'json' || header.version !== 1) return undefined;
    const document = JSON.parse(text.slice(newline + 1)) as Partial<SegmentDocument>;
    const valid =
      typeof document.id === 'string' &&
      typeof document.trace_id === 'string' &&
      typeof document.name === 'string' &&
      typeof document.start_time === 'number';
    return valid ? (document as SegmentDocument) : undefined;
  } catch {
    return undefined;
  }
}
