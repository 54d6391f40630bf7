// A loopback TCP proxy that counts the bytes each way, so tests can see compression on the wire
// (HTTP/2 frames and all) rather than trust that a call merely succeeded.
import net from 'node:net';

export interface ByteCounts {
  readonly toServer: number;
  readonly toClient: number;
}

export class ByteCountingProxy {
  private toServer = 0;
  private toClient = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, readonly address: string) {}

  /** Listens on 127.0.0.1:0 and forwards every connection to target ('host:port'). */
  static async start(target: string): Promise<ByteCountingProxy> {
    const [host = '127.0.0.1', port = '0'] = target.split(':');
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port: bound } = server.address() as net.AddressInfo;
    const proxy = new ByteCountingProxy(server, `127.0.0.1:${bound}`);
    server.on('connection', (client) => proxy.forward(client, net.connect(Number(port), host)));
    return proxy;
  }

  private forward(client: net.Socket, upstream: net.Socket): void {
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.on('data', (chunk: Buffer) => { this.toServer += chunk.length; });
    upstream.on('data', (chunk: Buffer) => { this.toClient += chunk.length; });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Bytes forwarded so far, each way. */
  counts(): ByteCounts {
    return { toServer: this.toServer, toClient: this.toClient };
  }

  /** Bytes forwarded while fn ran. */
  async measure(fn: () => Promise<unknown>): Promise<ByteCounts> {
    const before = this.counts();
    await fn();
    const after = this.counts();
    return { toServer: after.toServer - before.toServer, toClient: after.toClient - before.toClient };
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
