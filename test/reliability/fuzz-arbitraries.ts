// Arbitraries shared by the fuzz tests: printable header text, gRPC message segments valid and not, and the
// random cutting of a byte stream into the chunks a peer writes.
import fc from 'fast-check';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { rawPrefix } from '../bad-input/bad-case.js';
import { frameRequest } from '../bad-input/probe-server.js';

const MIB = 1024 * 1024;

/** Up to 24 printable ASCII characters: any of them is a valid HTTP/2 header value. */
export const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 24 });

// Message segments, given whether the call's grpc-encoding is gzip: mostly valid requests compressed to match,
// then random protobuf bytes under either flag, bare prefixes with any flag and length (up to past the 4 MiB
// limit), and loose bytes.
export type Segment = (gzip: boolean) => Buffer;
export const segmentArb: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ text: printable, delay_ms: fc.integer({ min: 0, max: 50 }), count: fc.integer({ min: 0, max: 3 }),
    payload: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) })
    .map((request): Segment => (gzip) => frameRequest(request, gzip ? 'gzip' : undefined)) },
  { weight: 2, arbitrary: fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 48 }))
    .map(([compressed, bytes]): Segment => () => encodeFrame(bytes, compressed)) },
  { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 3 }), fc.oneof(fc.nat({ max: 64 }), fc.constantFrom(4 * MIB, 4 * MIB + 1, 0xffffffff)))
    .map(([flag, length]): Segment => () => rawPrefix(flag, length)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes): Segment => () => Buffer.from(bytes)) },
);

/** `bytes` cut at the given points (taken modulo its length + 1), empty pieces left out. */
export function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}
