// A connection error, then a vanished peer (issue 13): DATA on stream 0 draws a GOAWAY, then the peer drops its
// socket. RFC 9113 section 5.4.1 says the server MUST then close the connection, but node:http2 stops reading
// after it sends that GOAWAY, never sees the peer's FIN, and keeps the socket and the open stream (found by
// fuzz-raw-frames.test.ts). Our server finds such a connection by its silence while a call is open: it sends a
// PING, which a stopped connection never answers, and closes it (silentPeerPingMs, keepaliveTimeoutMs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame as encodeMessage } from '../../lib/protocol/framing.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { RawClient } from '../bad-input/raw-client.js';
import type { RawResponse } from '../bad-input/raw-client.js';
import { delay, shapes } from '../server/fixtures.js';
import { encodeFrame, encodeHeaderBlock, FLAG, FRAME, RawFrameConnection } from './raw-frames.js';
import { expectHealthyCall, UNARY_PATH } from './prefix-flood.js';
import { ServerProcess } from './server-process.js';

const CONNECTIONS = 20;
const RELEASE_TIMEOUT_MS = 3000;
// Short, so the suite waits a second, not the defaults' minute and 20 s.
const FAST_PROBE = { silentPeerPingMs: 200, keepaliveTimeoutMs: 300 };
const UNARY = shapes.methods.get('Unary')!;
const unaryFrame = (text: string): Buffer => encodeMessage(UNARY.serializeRequest({ text }), false);
const textOf = (response: RawResponse): string => (UNARY.deserializeResponse(response.body.subarray(5)) as { text: string }).text;

/** Opens a call on `path` without ending it, sends DATA on stream 0, waits for the GOAWAY, then drops the socket. */
async function protocolErrorThenVanish(port: number, path: string): Promise<void> {
  const connection = await RawFrameConnection.open(port);
  const headers = encodeHeaderBlock([[':method', 'POST'], [':scheme', 'http'], [':path', path], [':authority', '127.0.0.1'],
    ['content-type', 'application/grpc'], ['te', 'trailers']]);
  connection.write(encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS, 1, headers));
  connection.write(encodeFrame(FRAME.DATA, 0, 0, Buffer.from('stray')));
  await connection.waitUntil(() => connection.frames.some((frame) => frame.type === FRAME.GOAWAY), 2000);
  assert.ok(connection.frames.some((frame) => frame.type === FRAME.GOAWAY), 'the server answered the protocol error with GOAWAY');
  connection.destroy();
}

async function startServer(): Promise<{ server: GrpcServer; port: number; connections(): Promise<number> }> {
  const server = new GrpcServer(FAST_PROBE);
  server.addService(shapes, { Unary: (request: { text?: string }) => ({ text: request.text ?? '' }) });
  const port = await server.listen('127.0.0.1:0');
  const connections = (): Promise<number> =>
    new Promise((resolve, reject) => server.http2Server!.getConnections((err, count) => (err ? reject(err) : resolve(count))));
  return { server, port, connections };
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await delay(50);
  }
  return check();
}

describe('a protocol error, then the peer vanishes', { timeout: 60_000 }, () => {
  it('server=ours: the connections are released, another is served', async () => {
    const { server, port, connections } = await startServer();
    try {
      for (let i = 0; i < CONNECTIONS; i++) await protocolErrorThenVanish(port, UNARY.path);
      assert.ok(await waitFor(async () => (await connections()) === 0, RELEASE_TIMEOUT_MS),
        `server sockets still open ${RELEASE_TIMEOUT_MS} ms after ${CONNECTIONS} such peers vanished: ${await connections()}`);
      const peer = await RawClient.connect(port);
      const response = await peer.request({ path: UNARY.path, body: [unaryFrame('after')] });
      await peer.close();
      assert.equal(response.grpcStatus, 0);
      assert.equal(textOf(response), 'after');
    } finally {
      await server.close({ force: true });
    }
  });

  it('server=ours: a peer silent with a call open, which answers PINGs, is kept and its call completes', async () => {
    const { server, port, connections } = await startServer();
    const peer = await RawClient.connect(port);
    try {
      const call = peer.open({ path: UNARY.path, endStream: false, timeoutMs: 10_000 });
      // Several probe periods of silence with the call open.
      await delay(4 * (FAST_PROBE.silentPeerPingMs + FAST_PROBE.keepaliveTimeoutMs));
      assert.equal(peer.session.closed || peer.session.destroyed, false, 'the connection is kept');
      assert.equal(await connections(), 1);
      call.stream.end(unaryFrame('late'));
      const response = await call.response;
      assert.equal(response.grpcStatus, 0);
      assert.equal(textOf(response), 'late');
    } finally {
      await peer.close();
      await server.close({ force: true });
    }
  });

  // grpc-js's server runs on node:http2 too and has no such probe: the gap stays there (checked in a child process,
  // whose handles are its server's alone).
  it('server=grpc-js: the connections are released, another is served', { timeout: 20_000, todo: 'grpc-js on node:http2 keeps the socket after a connection-error GOAWAY' }, async () => {
    const server = await ServerProcess.start('grpc-js');
    try {
      const baseline = await server.usage();
      for (let i = 0; i < CONNECTIONS; i++) await protocolErrorThenVanish(server.port, UNARY_PATH);
      await expectHealthyCall(server.port, 'after the protocol errors on grpc-js');
      const settled = await server.usageWhen((usage) => usage.handles.length <= baseline.handles.length, RELEASE_TIMEOUT_MS);
      assert.deepEqual(settled.handles.sort(), baseline.handles.sort(), 'handles back to baseline');
    } finally {
      await server.stop();
    }
  });
});
