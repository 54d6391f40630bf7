// A loopback TCP proxy that reads the server's HTTP/2 DATA frames (RFC 9113 6.1) as gRPC
// Length-Prefixed-Messages and records each response message's compressed flag: the interop cases
// assert on the wire, which neither our client nor grpc-js exposes to a caller.
import net from 'node:net';

const FRAME_HEADER = 9;
const DATA = 0x0;
const PADDED = 0x8;

/** One direction of one stream: where it is inside the current gRPC message. */
interface MessageCursor {
  prefix: number[];
  bodyLeft: number;
}

/** Parses server-to-client HTTP/2 bytes of one connection; reports each gRPC message prefix it completes. */
class ResponseFrameReader {
  #pending = Buffer.alloc(0);
  readonly #streams = new Map<number, MessageCursor>();

  constructor(private readonly onMessage: (compressed: boolean) => void) {}

  push(chunk: Buffer): void {
    // Frames are at most 16 KiB unless a peer raises SETTINGS_MAX_FRAME_SIZE, so this buffer stays small.
    let buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (buffer.length >= FRAME_HEADER) {
      const length = buffer.readUIntBE(0, 3);
      if (buffer.length < FRAME_HEADER + length) break;
      const type = buffer[3]!;
      const flags = buffer[4]!;
      const streamId = buffer.readUInt32BE(5) & 0x7fffffff;
      if (type === DATA) {
        let payload = buffer.subarray(FRAME_HEADER, FRAME_HEADER + length);
        if ((flags & PADDED) !== 0) payload = payload.subarray(1, payload.length - payload[0]!);
        this.#readMessages(streamId, payload);
      }
      buffer = buffer.subarray(FRAME_HEADER + length);
    }
    this.#pending = Buffer.from(buffer);
  }

  #readMessages(streamId: number, data: Buffer): void {
    let cursor = this.#streams.get(streamId);
    if (cursor === undefined) this.#streams.set(streamId, (cursor = { prefix: [], bodyLeft: 0 }));
    let at = 0;
    while (at < data.length) {
      if (cursor.bodyLeft > 0) {
        const take = Math.min(cursor.bodyLeft, data.length - at);
        cursor.bodyLeft -= take;
        at += take;
        continue;
      }
      cursor.prefix.push(data[at++]!);
      if (cursor.prefix.length === 5) {
        this.onMessage(cursor.prefix[0] === 1);
        cursor.bodyLeft = Buffer.from(cursor.prefix).readUInt32BE(1);
        cursor.prefix = [];
      }
    }
  }
}

/** A proxy in front of one gRPC server; clients connect to `address`. */
export class WireTap {
  #flags: boolean[] = [];
  readonly #sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, readonly address: string) {}

  /** Listens on 127.0.0.1:0 and forwards every connection to `host:port`. */
  static async start(host: string, port: number): Promise<WireTap> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const tap = new WireTap(server, `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    server.on('connection', (client) => tap.#forward(client, net.connect(port, host)));
    return tap;
  }

  /** The compressed flags of the response messages seen since the last call, in arrival order. */
  takeResponseFlags(): boolean[] {
    const flags = this.#flags;
    this.#flags = [];
    return flags;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #forward(client: net.Socket, upstream: net.Socket): void {
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    const reader = new ResponseFrameReader((compressed) => this.#flags.push(compressed));
    // Read before forwarding: by the time the client sees a message, its flag is recorded.
    upstream.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    client.pipe(upstream);
  }
}
