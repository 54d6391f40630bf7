// Shared definitions of the benchmark service (protos/bench.proto): message shapes, sizes and the
// handler behaviour every server kind implements, so servers differ only in their gRPC stack.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The .proto source, found from the compiled file in dist/bench. */
export const PROTO_PATH = fileURLToPath(new URL('../../bench/protos/bench.proto', import.meta.url));
export const SERVICE_NAME = 'bench.Bench';
export const LOOPBACK = '127.0.0.1';

export interface Msg { id: number; text: string }
export interface StreamRequest { count: number }
export interface DownloadRequest { size: number }
export interface Chunk { data: Buffer }
export interface Count { messages: number; bytes: number }

/** Bulk transfers move 64 KiB messages: the usual chunk size for files over gRPC. */
export const CHUNK_SIZE = 64 * 1024;
export const CHUNK: Chunk = { data: Buffer.alloc(CHUNK_SIZE, 0x61) };
export const UNARY_REQUEST: Msg = { id: 7, text: 'hello bench' };
export const STREAM_TEXT = 'stream item payload';

/** proto-loader options that give the same JS shapes as our loadProtos defaults. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
} as const;

/** The server-streaming answer: `count` small messages, numbered. */
export function* streamItems(count: number): Generator<Msg> {
  for (let id = 0; id < count; id++) yield { id, text: STREAM_TEXT };
}

/** The download answer: `size` bytes in CHUNK_SIZE messages (the last one shorter). */
export function* downloadChunks(size: number): Generator<Chunk> {
  for (let sent = 0; sent < size; sent += CHUNK_SIZE) {
    yield size - sent >= CHUNK_SIZE ? CHUNK : { data: CHUNK.data.subarray(0, size - sent) };
  }
}

/** How many upload chunks carry `size` bytes. */
export function chunkCount(size: number): number {
  return Math.ceil(size / CHUNK_SIZE);
}

/** Adds one received message to a running Count (ClientStream counts messages, Upload bytes). */
export function addToCount(count: Count, message: Partial<Chunk>): Count {
  count.messages++;
  count.bytes += message.data?.length ?? 0;
  return count;
}

/** Protobuf varint bytes. */
export function varint(value: number): number[] {
  const bytes: number[] = [];
  for (; value > 0x7f; value = Math.floor(value / 128)) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return bytes;
}

/** A gRPC frame (flag 0, 4-byte big-endian length) around an already encoded message. */
export function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** Parses `--name=value` flags and bare `--name` switches. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new Error(`Unexpected argument "${arg}"`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  return flags;
}

/** A loopback port free right now, for servers configured with a url rather than port 0 (the Nest kinds). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, LOOPBACK, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
