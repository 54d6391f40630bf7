// The floor: bare node:http2 answering from precomputed gRPC frames, with no gRPC library at all,
// so ratios to it show what a gRPC layer costs on top of node:http2 itself.
import { connect, createServer } from 'node:http2';
import type { Http2Session, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { CHUNK_SIZE, frame, LOOPBACK, SERVICE_NAME, STREAM_TEXT, UNARY_REQUEST, varint } from './bench-proto.js';
import type { BenchClient, RunningServer } from './kinds.js';

const HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const TRAILERS = { 'grpc-status': '0' };
const QUEUE_LIMIT = 1024 * 1024;

/** Msg { id = 1; text = 2 } encoded by hand. */
function encodeMsg(id: number, text: string): Buffer {
  const utf8 = Buffer.from(text);
  return Buffer.from([0x08, ...varint(id), 0x12, ...varint(utf8.length), ...utf8]);
}

const UNARY_FRAME = frame(encodeMsg(UNARY_REQUEST.id, UNARY_REQUEST.text));
// The bench's client streams only UNARY_REQUEST, so the body length over its frame size is the message count.
const REQUEST_FRAME_LENGTH = UNARY_FRAME.length;
// Every streamed item is the same frame (id 1): the floor pays no per-message encoding.
const ITEM_FRAME = frame(encodeMsg(1, STREAM_TEXT));
const CHUNK_FRAME = frame(Buffer.from([0x0a, ...varint(CHUNK_SIZE), ...Buffer.alloc(CHUNK_SIZE, 0x61)]));

/** The uint32 field 1 of a one-field request (StreamRequest.count, DownloadRequest.size); 0 when absent. */
function readField1(head: Buffer): number {
  let value = 0;
  if (head.length <= 6 || head[5] !== 0x08) return 0;
  for (let i = 6, shift = 1; i < head.length; i++, shift *= 128) {
    value += (head[i]! & 0x7f) * shift;
    if ((head[i]! & 0x80) === 0) break;
  }
  return value;
}

/** The answer to a request: one frame sent with the end of the stream, or frames written with backpressure. */
type Route = (head: Buffer, length: number) => Buffer | Iterable<Buffer>;

// Shared by every call, as a lean server would: nothing but what node:http2 needs is made per call.
const RESPOND = Object.freeze({ waitForTrailers: true });
const EMPTY: Buffer = Buffer.alloc(0);
function sendTrailers(this: ServerHttp2Stream): void {
  this.sendTrailers(TRAILERS);
}

/** Reads the request (keeping only its first bytes, enough for the small ones), then writes the answer. */
function reply(stream: ServerHttp2Stream, route: Route): void {
  let head = EMPTY;
  let length = 0;
  stream.on('data', (part: Buffer) => {
    if (head.length < 64) head = head.length === 0 ? part : Buffer.concat([head, part]);
    length += part.length;
  });
  stream.on('end', () => {
    stream.respond(HEADERS, RESPOND);
    stream.on('wantTrailers', sendTrailers);
    const answer = route(head, length);
    // One message goes out with the end of the stream, in one write, as a unary server would.
    if (Buffer.isBuffer(answer)) stream.end(answer);
    else void writeAll(stream, answer);
  });
}

async function writeAll(stream: ServerHttp2Stream, frames: Iterable<Buffer>): Promise<void> {
  for (const out of frames) {
    if (stream.destroyed) return;
    // Keep up to 1 MiB queued rather than the stream's 16 KiB high-water mark, so 64 KiB frames do
    // not each wait for 'drain'.
    if (!stream.write(out) && stream.writableLength >= QUEUE_LIMIT) {
      await new Promise((resolve) => stream.once('drain', resolve));
    }
  }
  stream.end();
}

/** Bidi: every chunk the client sends goes straight back, already framed. */
function echo(stream: ServerHttp2Stream): void {
  stream.respond(HEADERS, RESPOND);
  stream.on('wantTrailers', sendTrailers);
  stream.on('data', (part: Buffer) => stream.write(part));
  stream.on('end', () => stream.end());
}

function* repeat(item: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield item;
}

const ROUTES = new Map<string, Route>(Object.entries({
  Unary: () => UNARY_FRAME,
  ServerStream: (head) => repeat(ITEM_FRAME, readField1(head)),
  // Download sizes in the bench are whole chunks, so no shorter last frame is needed.
  Download: (head) => repeat(CHUNK_FRAME, Math.ceil(readField1(head) / CHUNK_SIZE)),
  // Count { bytes = 2 }: the raw request body length, an upper bound of the payload bytes.
  Upload: (_head, length) => frame(Buffer.from([0x10, ...varint(length)])),
  // Count { messages = 1 }.
  ClientStream: (_head, length) => frame(Buffer.from([0x08, ...varint(Math.floor(length / REQUEST_FRAME_LENGTH))])),
} satisfies Record<string, Route>).map(([method, route]) => [`/${SERVICE_NAME}/${method}`, route]));
const BIDI_PATH = `/${SERVICE_NAME}/Bidi`;

export async function startFloorServer(): Promise<RunningServer> {
  // The same windows as our server, so bulk figures compare code, not settings.
  const server = createServer({ settings: { initialWindowSize: 1024 * 1024 } });
  const sessions = new Set<Http2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', () => {});
    session.setLocalWindowSize(16 * 1024 * 1024);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const path = headers[':path'] ?? '';
    const route = ROUTES.get(path);
    if (route !== undefined) reply(stream, route);
    else if (path === BIDI_PATH) echo(stream);
    else stream.respond({ ...HEADERS, 'grpc-status': '12' }, { endStream: true });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const session of sessions) session.destroy();
    }),
  };
}

/**
 * The client floor: bare node:http2 sending a precomputed unary request and reading the response without decoding
 * it, so a client's cost per call can be set beside what node:http2 itself costs (bench:cost's client side).
 */
export function connectFloorUnaryClient(address: string): Pick<BenchClient, 'unary' | 'close'> {
  const session = connect(`http://${address}`);
  const headers = { ':method': 'POST', ':path': `/${SERVICE_NAME}/Unary`, 'content-type': 'application/grpc', te: 'trailers' };
  return {
    unary: (request) => new Promise((resolve, reject) => {
      const stream = session.request(headers);
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      stream.on('error', reject);
      stream.on('close', () => (bytes === UNARY_FRAME.length ? resolve(request) : reject(new Error(`Unary answered ${bytes} bytes`))));
      stream.end(UNARY_FRAME);
    }),
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}
