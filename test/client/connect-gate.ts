// A loopback TCP listener between a client and a server for the reconnect tests: counts the client's connection
// attempts, and either drops each connection at once (the attempt fails) or forwards it to a real server.

import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

export interface ConnectGate {
  readonly address: string;
  /** TCP connections accepted so far: one per connection attempt of the client. */
  readonly attempts: number;
  /** Forward later connections to this loopback port; undefined drops them. */
  forwardTo(port: number | undefined): void;
  /** Cuts every forwarded connection now, as a server that goes away. */
  dropAll(): void;
  /** Resolves once `count` attempts were seen. */
  attemptsReached(count: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startConnectGate(): Promise<ConnectGate> {
  let attempts = 0;
  let target: number | undefined;
  const open = new Set<Socket>();
  const watchers: { count: number; resolve(): void }[] = [];
  const server = createServer((socket) => {
    attempts++;
    for (const watcher of watchers.filter((w) => attempts >= w.count)) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve();
    }
    if (target === undefined) {
      socket.destroy();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    for (const end of [socket, upstream]) {
      open.add(end);
      end.on('error', () => undefined);
      end.on('close', () => {
        open.delete(end);
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    address: `127.0.0.1:${address.port}`,
    get attempts() { return attempts; },
    forwardTo(port) { target = port; },
    dropAll() { for (const socket of open) socket.destroy(); },
    attemptsReached(count) {
      if (attempts >= count) return Promise.resolve();
      return new Promise((resolve) => watchers.push({ count, resolve }));
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
