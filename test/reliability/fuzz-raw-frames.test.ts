// Fuzzing our server with hand-written HTTP/2 frames over TCP (issue 13): requests with a grpc-timeout amid stray
// frames of every type. Each stream must be ended (END_STREAM, RST_STREAM) or its connection closed within its
// bound, and another connection served; draining afterwards is protocol-error-vanish.test.ts's subject.
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { expectHealthyEcho } from '../bad-input/bad-case.js';
import { PROBE_PATHS } from '../bad-input/probe-server.js';
import { RawClient } from '../bad-input/raw-client.js';
import { segmentArb, split } from './fuzz-arbitraries.js';
import { fuzzProbeServer } from './probe-fuzzing.js';
import { encodeData, encodeFrame, encodeHeaderBlock, FLAG, FRAME, RawFrameConnection } from './raw-frames.js';

const CLOSE_MARGIN_MS = 3000;

interface StreamPlan {
  path: string;
  timeoutMs: number;
  gzip: boolean;
  /** Body pieces, each sent as one DATA frame with its padding (undefined: not padded). */
  pieces: { bytes: Buffer; padding: number | undefined }[];
  endStream: boolean;
}

const streamArb: fc.Arbitrary<StreamPlan> = fc.record({
  path: fc.constantFrom(PROBE_PATHS.echo, PROBE_PATHS.collect, PROBE_PATHS.slow),
  timeoutMs: fc.integer({ min: 20, max: 500 }),
  gzip: fc.boolean(),
  segments: fc.array(segmentArb, { minLength: 0, maxLength: 3 }),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  paddings: fc.array(fc.option(fc.nat({ max: 20 }), { nil: undefined }), { minLength: 8, maxLength: 8 }),
  endStream: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
}).map(({ path, timeoutMs, gzip, segments, cuts, paddings, endStream }) => ({
  path, timeoutMs, gzip, endStream,
  pieces: split(Buffer.concat(segments.map((segment) => segment(gzip))), cuts)
    .map((bytes, index) => ({ bytes, padding: paddings[index % paddings.length] })),
}));

// Stray frames, `target` being one of the request streams: most legal and harmless, some a stream error, some
// a connection error (a zero WINDOW_UPDATE, DATA on stream 0, a CONTINUATION out of place, an undecodable block).
// A HEADERS opening stream 1001 goes after the requests' own: an earlier one would close their lower ids unopened.
interface Stray { frame: Buffer; afterRequests: boolean }
const strayArb = (target: number): fc.Arbitrary<Stray> => fc.oneof(
  fc.uint8Array({ minLength: 8, maxLength: 8 }).map((bytes) => encodeFrame(FRAME.PING, 0, 0, Buffer.from(bytes))),
  fc.constant(encodeFrame(FRAME.PRIORITY, 0, target, Buffer.from([0, 0, 0, 0, 16]))),
  fc.tuple(fc.constantFrom(0, target), fc.nat({ max: 70_000 })).map(([stream, increment]) => {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(increment);
    return encodeFrame(FRAME.WINDOW_UPDATE, 0, stream, payload);
  }),
  fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.nat({ max: 70_000 })), { maxLength: 3 }).map((settings) => {
    const payload = Buffer.alloc(6 * settings.length);
    settings.forEach(([id, value], index) => {
      payload.writeUInt16BE(id, index * 6);
      payload.writeUInt32BE(value, index * 6 + 2);
    });
    return encodeFrame(FRAME.SETTINGS, 0, 0, payload);
  }),
  fc.tuple(fc.integer({ min: 10, max: 0xff }), fc.nat({ max: 0xff }), fc.uint8Array({ maxLength: 16 }))
    .map(([type, flags, bytes]) => encodeFrame(type, flags, target, Buffer.from(bytes))),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => encodeFrame(FRAME.DATA, 0, 0, Buffer.from(bytes))),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => encodeFrame(FRAME.CONTINUATION, FLAG.END_HEADERS, target, Buffer.from(bytes))),
).map((frame) => ({ frame, afterRequests: false })).chain((stray) => fc.oneof(
  { weight: 7, arbitrary: fc.constant(stray) },
  fc.uint8Array({ minLength: 1, maxLength: 12 })
    .map((bytes) => ({ frame: encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS, 1001, Buffer.from(bytes)), afterRequests: true })),
));

const runArb = fc.array(streamArb, { minLength: 1, maxLength: 4 }).chain((streams) => fc.record({
  streams: fc.constant(streams),
  strays: fc.array(fc.nat({ max: streams.length - 1 }).chain((index) => strayArb(2 * index + 1)), { maxLength: 3 }),
  // Which queue gives the next frame: requests interleave, strays fall in between.
  order: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
}));

/** The frames of request `plan` on `streamId`: HEADERS, then one DATA frame per piece. */
function requestFrames(plan: StreamPlan, streamId: number): Buffer[] {
  const headers: [string, string][] = [
    [':method', 'POST'], [':scheme', 'http'], [':path', plan.path], [':authority', '127.0.0.1'],
    ['content-type', 'application/grpc'], ['te', 'trailers'], ['grpc-timeout', `${plan.timeoutMs}m`],
  ];
  if (plan.gzip) headers.push(['grpc-encoding', 'gzip']);
  const noBody = plan.pieces.length === 0;
  const frames = [encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS | (noBody && plan.endStream ? FLAG.END_STREAM : 0), streamId,
    encodeHeaderBlock(headers))];
  plan.pieces.forEach(({ bytes, padding }, index) =>
    frames.push(encodeData(streamId, bytes, plan.endStream && index === plan.pieces.length - 1, padding)));
  return frames;
}

/**
 * Interleaves the requests' frames and the strays in the order drawn, each queue keeping its own order, and
 * requests opening in stream-id order (RFC 9113 5.1.1: a HEADERS on a lower id than one seen is a protocol error).
 */
function interleave(requests: readonly Buffer[][], strays: readonly Stray[], order: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  const queues = requests.map((queue) => [...queue]);
  const anytime = strays.filter((stray) => !stray.afterRequests).map((stray) => stray.frame);
  const late = strays.filter((stray) => stray.afterRequests).map((stray) => stray.frame);
  queues.push(anytime, late);
  let opened = 0;
  for (let step = 0; queues.some((queue) => queue.length > 0); step++) {
    // Requests up to the next one to open, the strays, and once every request opened the late strays.
    const eligible = queues.map((_, index) => index).filter((index) => queues[index]!.length > 0
      && (index <= opened || index === requests.length || (index === requests.length + 1 && opened >= requests.length)));
    const index = eligible[(order[step % order.length] ?? 0) % eligible.length]!;
    out.push(queues[index]!.shift()!);
    if (index === opened && index < requests.length) opened++;
  }
  return out;
}

/** Whether the server ended stream `id`: END_STREAM on its frames, RST_STREAM on it, or a GOAWAY for the connection. */
function ended(connection: RawFrameConnection, id: number): boolean {
  return connection.frames.some((frame) => frame.type === FRAME.GOAWAY
    || (frame.streamId === id && (frame.type === FRAME.RST_STREAM
      || ((frame.type === FRAME.HEADERS || frame.type === FRAME.DATA) && (frame.flags & FLAG.END_STREAM) !== 0))));
}

describe('fuzzing our server with raw HTTP/2 frames over a socket', { timeout: 60_000 }, () => {
  it('every stream ends by its deadline or the connection closes; another connection is served', { timeout: 45_000 }, async () => {
    await fuzzProbeServer(async (server, bystander) => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(runArb, async ({ streams, strays, order, cuts }) => {
          runs++;
          const connection = await RawFrameConnection.open(server.port);
          try {
            const healthy = expectHealthyEcho(bystander, `beside raw-frame run ${runs}`);
            const ids = streams.map((_, index) => 2 * index + 1);
            const frames = interleave(streams.map((plan, index) => requestFrames(plan, ids[index]!)), strays, order);
            for (const chunk of split(Buffer.concat(frames), cuts)) {
              connection.write(chunk);
              await nextTurn();
            }
            const bound = Math.max(...streams.map((plan) => plan.timeoutMs)) + CLOSE_MARGIN_MS;
            await connection.waitUntil(() => ids.every((id) => ended(connection, id)), bound);
            const open = ids.filter((id) => !connection.closed && !ended(connection, id));
            assert.deepEqual(open, [], `streams neither ended nor closed with the connection within ${bound} ms`);
            await healthy;
          } finally {
            connection.destroy();
          }
        }),
        // A failing run waits out its bound: shrinking would outlast the test's time limit. The seed and the
        // counterexample in the failure replay it.
        { numRuns: 100, endOnFailure: true },
      );
    }, false);
  });
});
