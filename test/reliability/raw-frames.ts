// HTTP/2 frames written by hand (RFC 9113 section 4.1) for fuzzing below node:http2's client: a request's
// HEADERS as literal HPACK fields, DATA with or without padding, any frame type, and a reader of the answer's frames.
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8 } as const;
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** One frame: 9-byte header (24-bit length, type, flags, 31-bit stream id) and payload. */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** A header block of HPACK "literal header field without indexing, new name" entries, no Huffman coding. */
export function encodeHeaderBlock(headers: readonly (readonly [string, string])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) parts.push(Buffer.from([0]), hpackString(name), hpackString(value));
  return Buffer.concat(parts);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length >= 127) throw new RangeError('header strings here stay under 127 bytes');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** DATA carrying `body`, padded with `padding` zero bytes when given. */
export function encodeData(streamId: number, body: Buffer, endStream: boolean, padding?: number): Buffer {
  const flags = (endStream ? FLAG.END_STREAM : 0) | (padding === undefined ? 0 : FLAG.PADDED);
  const payload = padding === undefined ? body : Buffer.concat([Buffer.from([padding]), body, Buffer.alloc(padding)]);
  return encodeFrame(FRAME.DATA, flags, streamId, payload);
}

/** A raw TCP connection that has sent the client preface and an empty SETTINGS, and acknowledged the server's. */
export class RawFrameConnection {
  readonly frames: ReceivedFrame[] = [];
  closed = false;
  readonly #socket: Socket;
  #pending = Buffer.alloc(0);
  readonly #listeners = new Set<() => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#notify();
    });
  }

  /**
   * Connects and returns once the server's SETTINGS came and were acknowledged: the ACK is written then, never
   * later in the middle of a frame the test is writing in pieces.
   */
  static async open(port: number): Promise<RawFrameConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const opened = connect(port, '127.0.0.1', () => {
        opened.off('error', reject);
        resolve(opened);
      });
      opened.once('error', reject);
    });
    socket.write(Buffer.concat([PREFACE, encodeFrame(FRAME.SETTINGS, 0, 0)]));
    const connection = new RawFrameConnection(socket);
    const settings = (): boolean => connection.frames.some((frame) => frame.type === FRAME.SETTINGS && (frame.flags & FLAG.ACK) === 0);
    await connection.waitUntil(settings, 5000);
    if (!settings()) throw new Error('The server sent no SETTINGS within 5000 ms');
    return connection;
  }

  write(bytes: Buffer): void {
    if (!this.closed && !this.#socket.destroyed) this.#socket.write(bytes);
  }

  /** Resolves when `done` holds over the frames received (or the socket closed), or after `timeoutMs` anyway. */
  waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done() && !this.closed) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        resolve();
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 9) {
      const length = this.#pending.readUIntBE(0, 3);
      if (this.#pending.length < 9 + length) break;
      const frame = {
        type: this.#pending[3]!, flags: this.#pending[4]!, streamId: this.#pending.readUInt32BE(5) & 0x7fffffff,
        payload: this.#pending.subarray(9, 9 + length),
      };
      this.#pending = this.#pending.subarray(9 + length);
      // Only the server's first SETTINGS is acknowledged, while open() waits for it: the test writes nothing yet.
      if (frame.type === FRAME.SETTINGS && (frame.flags & FLAG.ACK) === 0 && !this.frames.some((seen) => seen.type === FRAME.SETTINGS)) {
        this.write(encodeFrame(FRAME.SETTINGS, FLAG.ACK, 0));
      }
      this.frames.push(frame);
    }
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
