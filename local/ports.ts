import { createServer } from 'node:net';

export class PortInUseError extends Error {
  public readonly name = 'PortInUseError';
}

/**
 * Fails fast when a fixed port is taken: otherwise the readiness probe could succeed against
 * ANOTHER process's emulator (e.g. a second `npm start`) and this runtime would share its data.
 * Port 0 / undefined (free port) is always fine.
 */
export async function assertPortsFree(
  ports: ReadonlyArray<{ port: number | undefined; what: string; hint: string }>,
): Promise<void> {
  for (const { port, what, hint } of ports) {
    if (!port) continue;
    const free = await new Promise<boolean>((resolveCheck) => {
      const server = createServer();
      server.once('error', () => resolveCheck(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolveCheck(true)));
    });
    if (!free)
      throw new PortInUseError(
        `port ${port} (${what}) is already in use on 127.0.0.1: stop what uses it or choose another with ${hint}`,
      );
  }
}
