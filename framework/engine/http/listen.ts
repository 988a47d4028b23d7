import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on this machine: its endpoint, and how to stop it. */
export interface Listening {
  /** `http://<host>:<port>`. */
  readonly endpoint: string;
  /** Stops listening and ends open connections (keep-alive ones included); again, does nothing. */
  close(): Promise<void>;
}

/**
 * Starts `server` listening on `host` (the loopback address by default) at `port` (0: any free
 * one), and resolves once it does; rejects if it cannot (the port is taken).
 *
 * @example
 * ```ts
 * const { endpoint, close } = await listenLocally(createServer(handler), 0);
 * ```
 */
export async function listenLocally(server: Server, port = 0, host = '127.0.0.1'): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) =>
          error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING'
            ? reject(error)
            : resolve(),
        );
        server.closeAllConnections();
      }),
  };
}
