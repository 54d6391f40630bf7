// A connection error, then a vanished peer (issue 13): DATA on stream 0 draws a GOAWAY, then the peer drops its
// socket. RFC 9113 section 5.4.1 says the server MUST then close the connection, but node:http2 stops reading
// after it sends that GOAWAY, never sees the peer's FIN, and keeps the socket and the open stream (found by
// fuzz-raw-frames.test.ts). Our server finds such a connection by its silence while a call is open: it sends a
// PING, which a stopped connection never answers, and closes it (silentPeerPingMs, keepaliveTimeoutMs).
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { describe, it } from 'node:test';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { shapes } from '../server/fixtures.js';
import { encodeFrame, encodeHeaderBlock, FLAG, FRAME, RawFrameConnection } from './raw-frames.js';
import { expectHealthyCall, UNARY_PATH } from './prefix-flood.js';
import { ServerProcess } from './server-process.js';

const CONNECTIONS = 20;
const RELEASE_TIMEOUT_MS = 3000;
// Short, so the suite waits a second, not the defaults' minute and 20 s.
const FAST_PROBE = { silentPeerPingMs: 200, keepaliveTimeoutMs: 300 };

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
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('a protocol error, then the peer vanishes', { timeout: 60_000 }, () => {
  it('server=ours: the connections are released, another is served', async () => {
    const { server, port, connections } = await startServer();
    try {
      for (let i = 0; i < CONNECTIONS; i++) await protocolErrorThenVanish(port, shapes.methods.get('Unary')!.path);
      assert.ok(await waitFor(async () => (await connections()) === 0, RELEASE_TIMEOUT_MS),
        `server sockets still open ${RELEASE_TIMEOUT_MS} ms after ${CONNECTIONS} such peers vanished: ${await connections()}`);
      const session = connect(`http://127.0.0.1:${port}`);
      try {
        assert.equal(await unaryText(session, 'after'), 'after');
      } finally {
        session.destroy();
      }
    } finally {
      await server.close({ force: true });
    }
  });

  it('server=ours: a peer silent with a call open, which answers PINGs, is kept and its call completes', async () => {
    const { server, port, connections } = await startServer();
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': shapes.methods.get('Unary')!.path, 'content-type': 'application/grpc', te: 'trailers' });
      const answer = readUnary(stream);
      // Several probe periods of silence with the call open.
      await new Promise((resolve) => setTimeout(resolve, 4 * (FAST_PROBE.silentPeerPingMs + FAST_PROBE.keepaliveTimeoutMs)));
      assert.equal(session.closed || session.destroyed, false, 'the connection is kept');
      assert.equal(await connections(), 1);
      stream.end(grpcFrame(shapes.methods.get('Unary')!.serializeRequest({ text: 'late' }) as Buffer));
      assert.equal(await answer, 'late');
    } finally {
      session.destroy();
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

function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

function unaryText(session: ReturnType<typeof connect>, text: string): Promise<string> {
  const stream = session.request({ ':method': 'POST', ':path': shapes.methods.get('Unary')!.path, 'content-type': 'application/grpc', te: 'trailers' });
  const answer = readUnary(stream);
  stream.end(grpcFrame(shapes.methods.get('Unary')!.serializeRequest({ text }) as Buffer));
  return answer;
}

/** The text of the one response message, once trailers say OK. */
function readUnary(stream: ReturnType<ReturnType<typeof connect>['request']>): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status: string | undefined;
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('trailers', (trailers) => { status = String(trailers['grpc-status']); });
    stream.on('error', reject);
    stream.on('close', () => {
      if (status !== '0') return reject(new Error(`grpc-status ${status}`));
      const body = Buffer.concat(chunks);
      resolve((shapes.methods.get('Unary')!.deserializeResponse(body.subarray(5)) as { text: string }).text);
    });
  });
}
