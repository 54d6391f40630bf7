// Fuzzing our server from a raw node:http2 peer (issue 13): random paths, header sets, timeouts and frames, split
// anywhere, half-closed or reset. Every call ends with a status or a clean close within its bound, nothing escapes
// the server, a call on another connection is served, and the server drains when closed.
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { expectHealthyEcho } from '../bad-input/bad-case.js';
import { PROBE_PATHS } from '../bad-input/probe-server.js';
import { RawClient } from '../bad-input/raw-client.js';
import type { RawResponse } from '../bad-input/raw-client.js';
import { printable, segmentArb, split } from './fuzz-arbitraries.js';
import { fuzzProbeServer } from './probe-fuzzing.js';

// Past a call's own bound (its grpc-timeout, or when the peer resets it), how long it may take to close.
const CLOSE_MARGIN_MS = 3000;
const CALLS_PER_RUN = 6;

interface FuzzCall {
  path: string;
  headers: Record<string, string | undefined>;
  chunks: Buffer[];
  endStream: boolean;
  /** A valid grpc-timeout in ms: the server alone must end the call by then. */
  timeoutMs: number | undefined;
  /** Without a valid timeout the peer resets the stream after this long, so no call may legitimately wait forever. */
  resetAfterMs: number;
}

// Each header and path mostly valid, so that most calls get past the checks and reach the framing and handlers.
const pathArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(PROBE_PATHS.echo, PROBE_PATHS.collect, PROBE_PATHS.slow) },
  fc.constantFrom('/badinput.Probe/Nope', '/x', '/badinput.Probe/Echo/extra'));
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arbitrary, { nil: undefined });

const headersArb = fc.record({
  'content-type': fc.oneof({ weight: 12, arbitrary: fc.constant('application/grpc') },
    fc.constantFrom('application/grpc+proto', 'application/json', 'text/plain', undefined)),
  te: fc.oneof({ weight: 8, arbitrary: fc.constant('trailers') }, fc.constant(undefined)),
  'grpc-encoding': fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constantFrom('identity', 'gzip', 'deflate') },
    fc.constantFrom('br', 'snappy', '')),
  'grpc-accept-encoding': optional(fc.constantFrom('gzip', 'identity,gzip', 'bogus', '')),
  'x-meta': optional(printable),
  'x-data-bin': optional(fc.oneof(fc.base64String({ maxLength: 24 }), printable)),
  'grpc-message': optional(printable),
  'user-agent': optional(printable),
});
const timeoutArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 800 }).map((ms) => ({ header: `${ms}m`, ms })) },
  { weight: 1, arbitrary: fc.constantFrom('', 'abc', '1x', '-5m', '123456789m', '5 m').map((header) => ({ header, ms: undefined })) },
  { weight: 4, arbitrary: fc.constant(undefined) },
);
const callArb: fc.Arbitrary<FuzzCall> = fc.record({
  path: pathArb,
  headers: headersArb,
  timeout: timeoutArb,
  segments: fc.oneof({ weight: 3, arbitrary: fc.array(segmentArb, { minLength: 1, maxLength: 1 }) }, fc.array(segmentArb, { maxLength: 4 })),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  endStream: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
  resetAfterMs: fc.integer({ min: 0, max: 600 }),
}).map(({ path, headers, timeout, segments, cuts, endStream, resetAfterMs }) => ({
  path,
  headers: { ...headers, 'grpc-timeout': timeout?.header },
  chunks: split(Buffer.concat(segments.map((segment) => segment(headers['grpc-encoding'] === 'gzip'))), cuts),
  endStream,
  timeoutMs: timeout?.ms,
  resetAfterMs,
}));

/** Sends one fuzzed call; resolves with its response and whether the peer reset it first. */
async function send(peer: RawClient, call: FuzzCall): Promise<{ response: RawResponse; resetByPeer: boolean }> {
  const bound = (call.timeoutMs ?? call.resetAfterMs) + CLOSE_MARGIN_MS;
  const open = peer.open({ path: call.path, headers: call.headers, body: call.chunks, endStream: call.endStream, timeoutMs: bound });
  let resetByPeer = false;
  const timer = call.timeoutMs === undefined
    ? setTimeout(() => {
      if (open.stream.closed) return;
      resetByPeer = true;
      open.stream.close(constants.NGHTTP2_CANCEL);
    }, call.resetAfterMs)
    : undefined;
  try {
    return { response: await open.response, resetByPeer };
  } finally {
    clearTimeout(timer);
  }
}

/** A status in range, a non-200 HTTP answer, or a reset stream: every way a call may legitimately end. */
function assertEnded(call: FuzzCall, response: RawResponse, resetByPeer: boolean): void {
  if (resetByPeer) return;
  const described = `${JSON.stringify({ path: call.path, headers: call.headers, endStream: call.endStream })}: `
    + `HTTP ${response.httpStatus}, grpc-status ${response.grpcStatus} "${response.grpcMessage}", rst ${response.rstCode}`;
  if (response.rstCode !== 0) return;
  if (response.httpStatus !== 200) {
    assert.ok(response.httpStatus !== undefined && response.httpStatus >= 400, described);
    return;
  }
  assert.ok(response.grpcStatus !== undefined && Number.isInteger(response.grpcStatus)
    && response.grpcStatus >= 0 && response.grpcStatus <= 16, described);
}

describe('fuzzing our server from a raw node:http2 peer', { timeout: 60_000 }, () => {
  it('every call ends with a status or a clean close, another connection is served, the server drains', { timeout: 45_000 }, async () => {
    await fuzzProbeServer(async (server, bystander) => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: CALLS_PER_RUN }), async (calls) => {
          runs++;
          const peer = await RawClient.connect(server.port);
          try {
            const healthy = expectHealthyEcho(bystander, `beside fuzz run ${runs}`);
            const results = await Promise.all(calls.map((call) => send(peer, call)));
            results.forEach(({ response, resetByPeer }, index) => assertEnded(calls[index]!, response, resetByPeer));
            await healthy;
          } finally {
            // Streams the server still keeps open (a stream it answered but the peer never half-closed) go with it.
            peer.session.destroy();
          }
        }),
        // A failing run waits out its bound: shrinking would outlast the test's time limit. The seed and the
        // counterexample in the failure replay it.
        { numRuns: 40, endOnFailure: true },
      );
    });
  });
});
