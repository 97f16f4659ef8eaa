import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * TCP stand-ins between an SDK client and a REAL emulator, for failures that cannot be provoked
 * in the emulator itself. Nothing here answers like Kinesis: requests reach the real kinesis-mock
 * (or nothing), only the way back is broken.
 *   'swallow-responses'      forwards every request, never returns the answer (a timeout after
 *                            the put was accepted);
 *   'reset-after-forwarding' forwards every request and resets the client's connection when the
 *                            answer arrives (a connection lost after sending).
 */
export interface FaultyProxy {
  readonly url: string;
  /** HTTP requests seen so far (one per SDK attempt). */
  requests(): number;
  close(): Promise<void>;
}

export async function startFaultyProxy(
  target: string,
  mode: 'swallow-responses' | 'reset-after-forwarding',
): Promise<FaultyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (/^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/.test(chunk.toString('latin1', 0, 64))) requests++;
      upstream.write(chunk);
    });
    upstream.on('data', () => {
      if (mode === 'reset-after-forwarding') client.resetAndDestroy();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const url = await listen(server);
  return {
    url,
    requests: () => requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The URL of a local port nothing listens on (connections are refused). */
export async function aClosedEndpoint(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}
