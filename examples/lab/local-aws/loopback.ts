/**
 * Small helpers for servers that live on 127.0.0.1 with ephemeral ports. Used by every local AWS server
 * (see index.ts); `npx jest test/local-aws` exercises them.
 */
import http from 'node:http';
import net from 'node:net';

/** The only address local AWS listens on and talks to. */
export const LOOPBACK = '127.0.0.1';

/** A free ephemeral TCP port on 127.0.0.1 (asked from the OS, then released for the caller to bind). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  return port;
}

/** A started HTTP server on 127.0.0.1 that tracks its sockets so that `close` never waits on a kept-alive one. */
export interface LoopbackServer {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts `server` on an ephemeral port of 127.0.0.1. */
export async function listenOnLoopback(server: http.Server): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) {
          socket.destroy();
        }
      });

      return closed;
    },
  };
}

/** Reads a request body completely. */
export async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks);
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
