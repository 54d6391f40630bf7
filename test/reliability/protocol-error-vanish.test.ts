// A connection error, then a vanished peer (issue 13): DATA on stream 0 draws a GOAWAY, then the peer drops its
// socket. RFC 9113 section 5.4.1 says the server MUST then close the connection: measured in a child process, its
// handles must come back to baseline, or each such peer costs a socket for good.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame, encodeHeaderBlock, FLAG, FRAME, RawFrameConnection } from './raw-frames.js';
import { expectHealthyCall, UNARY_PATH } from './prefix-flood.js';
import { ServerProcess } from './server-process.js';
import type { ServerKind } from './server-process.js';

const CONNECTIONS = 20;
const RELEASE_TIMEOUT_MS = 3000;
// Found by fuzz-raw-frames.test.ts: node:http2 stops reading after it sends that GOAWAY, never sees the peer's
// FIN, and keeps the socket and the open stream; grpc-js on node:http2 behaves the same. The fix belongs in
// lib/server/grpc-server.ts (close a session's socket once it sent a connection-error GOAWAY).
const KNOWN_GAP = 'node:http2 keeps the socket after a connection-error GOAWAY; fix due in lib/server';

async function protocolErrorThenVanish(port: number): Promise<void> {
  const connection = await RawFrameConnection.open(port);
  const headers = encodeHeaderBlock([[':method', 'POST'], [':scheme', 'http'], [':path', UNARY_PATH], [':authority', '127.0.0.1'],
    ['content-type', 'application/grpc'], ['te', 'trailers'], ['grpc-timeout', '100m']]);
  connection.write(encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS, 1, headers));
  connection.write(encodeFrame(FRAME.DATA, 0, 0, Buffer.from('stray')));
  await connection.waitUntil(() => connection.frames.some((frame) => frame.type === FRAME.GOAWAY), 2000);
  assert.ok(connection.frames.some((frame) => frame.type === FRAME.GOAWAY), 'the server answered the protocol error with GOAWAY');
  connection.destroy();
}

describe('a protocol error, then the peer vanishes', { timeout: 60_000 }, () => {
  for (const kind of ['ours', 'grpc-js'] satisfies ServerKind[]) {
    it(`server=${kind}: the connections are released, another is served`, { timeout: 20_000, todo: KNOWN_GAP }, async (t) => {
      const server = await ServerProcess.start(kind);
      try {
        const baseline = await server.usage();
        for (let i = 0; i < CONNECTIONS; i++) await protocolErrorThenVanish(server.port);
        await expectHealthyCall(server.port, `after the protocol errors on ${kind}`);
        const settled = await server.usageWhen((usage) => usage.handles.length <= baseline.handles.length, RELEASE_TIMEOUT_MS);
        t.diagnostic(`${kind}: ${settled.handles.length - baseline.handles.length} handles over baseline ${RELEASE_TIMEOUT_MS} ms after ${CONNECTIONS} such peers vanished`);
        assert.deepEqual(settled.handles.sort(), baseline.handles.sort(), 'handles back to baseline');
        assert.deepEqual(server.fatal, []);
      } finally {
        await server.stop();
      }
    });
  }
});
