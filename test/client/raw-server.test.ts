// The client against a bare node:http2 server: exact request bytes and headers, and every odd response shape
// (trailers-only, HTTP errors, no status, RST_STREAM codes, bad frames) mapped as grpc-js maps them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { Status } from '../../lib/protocol/status.js';
import { CANCEL_SEEN_MS, OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, echoMethod, echoService, grpcErrorOf, sleep, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import { GRPC_OK_HEADERS, readBody, startRawServer } from './raw-server.js';
import type { RawServer } from './raw-server.js';

const unary = echoMethod('Unary');
const reply = (text: string): Buffer => encodeFrame(unary.serializeResponse({ text }), false);

describe('client against a raw HTTP/2 server', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: RawServer;
  let client: GrpcClient;
  let stub: EchoStub;

  before(async () => {
    server = await startRawServer();
    client = new GrpcClient(server.address);
    stub = client.getService<EchoStub>(echoService);
  });
  after(async () => {
    await client.close({ force: true });
    await server.stop();
  });

  it('sends the PROTOCOL-HTTP2 request headers and a gzip-compressed frame', async () => {
    let seen: Record<string, unknown> = {};
    let body: Buffer = Buffer.alloc(0);
    server.handle(async (stream, headers) => {
      seen = { ...headers };
      body = await readBody(stream);
      stream.respond(GRPC_OK_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(reply('fine'));
    });
    const result = await stub.Unary.promise({ text: 'hello' }, { timeout: 5000, compression: 'gzip', metadata: { 'x-m': 'v' } });
    assert.equal(result.text, 'fine');
    assert.equal(seen[':method'], 'POST');
    assert.equal(seen[':scheme'], 'http');
    assert.equal(seen[':path'], '/clienttest.Echo/Unary');
    assert.equal(seen[':authority'], server.address);
    assert.equal(seen['content-type'], 'application/grpc');
    assert.equal(seen.te, 'trailers');
    assert.equal(seen['grpc-accept-encoding'], 'identity,deflate,gzip');
    assert.equal(seen['grpc-encoding'], 'gzip');
    assert.equal(seen['x-m'], 'v');
    assert.match(String(seen['user-agent']), /^nestjs-grpc-transport\//);
    assert.match(String(seen['grpc-timeout']), /^\d{1,8}[HMSmun]$/);
    assert.equal(body[0], 1, 'compressed flag');
    assert.equal(body.readUInt32BE(1), body.length - 5);
    assert.deepEqual(gunzipSync(body.subarray(5)), unary.serializeRequest({ text: 'hello' }));
  });

  it('sends no grpc-timeout and no grpc-encoding by default', async () => {
    let seen: Record<string, unknown> = {};
    server.handle((stream, headers) => {
      seen = { ...headers };
      stream.respond({ ...GRPC_OK_HEADERS, 'grpc-status': '0' }, { endStream: true });
    });
    await grpcErrorOf(stub.Unary.promise({}));
    assert.equal(seen['grpc-timeout'], undefined);
    assert.equal(seen['grpc-encoding'], undefined);
  });

  it('decompresses a gzip response', async () => {
    server.handle((stream) => {
      stream.respond({ ...GRPC_OK_HEADERS, 'grpc-encoding': 'gzip' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(encodeFrame(gzipSync(unary.serializeResponse({ text: 'zipped' })), true));
    });
    assert.equal((await stub.Unary.promise({})).text, 'zipped');
  });

  const statusCases: { name: string; respond: Parameters<RawServer['handle']>[0]; code: Status; message: string | RegExp }[] = [
    {
      name: 'trailers-only response with metadata',
      respond: (s) => s.respond({ ...GRPC_OK_HEADERS, 'grpc-status': '5', 'grpc-message': 'gone%20away', 'x-t': 'v' }, { endStream: true }),
      code: Status.NOT_FOUND, message: 'gone away',
    },
    { name: 'HTTP 503', respond: (s) => s.respond({ ':status': 503 }, { endStream: true }), code: Status.UNAVAILABLE, message: 'Received HTTP status code 503' },
    { name: 'HTTP 404 with a body', respond: (s) => { s.respond({ ':status': 404 }); s.end('nope'); }, code: Status.UNIMPLEMENTED, message: 'Received HTTP status code 404' },
    { name: 'non-gRPC content-type', respond: (s) => { s.respond({ ':status': 200, 'content-type': 'text/html' }); s.end('<html>'); }, code: Status.UNKNOWN, message: /content-type/ },
    {
      name: 'body ended without trailers', respond: (s) => { s.respond(GRPC_OK_HEADERS); s.end(reply('x')); },
      code: Status.INTERNAL, message: 'Received RST_STREAM with code 0 (Call ended without gRPC status)',
    },
    { name: 'trailers without grpc-status', respond: (s) => trailed(s, [reply('x')], { 'x-other': '1' }), code: Status.UNKNOWN, message: 'No status information received' },
    { name: 'OK but no message', respond: (s) => trailed(s, [], { 'grpc-status': '0' }), code: Status.UNIMPLEMENTED, message: 'No message received' },
    { name: 'two messages for a unary call', respond: (s) => trailed(s, [reply('a'), reply('b')], { 'grpc-status': '0' }), code: Status.UNIMPLEMENTED, message: 'Too many responses received' },
    {
      name: 'compressed frame under identity', respond: (s) => trailed(s, [encodeFrame(Buffer.from('x'), true)], { 'grpc-status': '0' }),
      code: Status.INTERNAL, message: 'Received compressed message but "grpc-encoding" header was identity',
    },
    {
      name: 'compressed frame in an unknown encoding', respond: (s) => trailed(s, [encodeFrame(Buffer.from('x'), true)], { 'grpc-status': '0' }, 'snappy'),
      code: Status.INTERNAL, message: 'Compression method not supported: snappy',
    },
    { name: 'undecodable message', respond: (s) => trailed(s, [encodeFrame(Buffer.from([0x0a, 0xff]), false)], { 'grpc-status': '0' }), code: Status.INTERNAL, message: /^Response message parsing error/ },
    { name: 'partial frame before OK trailers', respond: (s) => trailed(s, [reply('x').subarray(0, 3)], { 'grpc-status': '0' }), code: Status.INTERNAL, message: /./ },
    { name: 'RST_STREAM REFUSED_STREAM', respond: (s) => s.close(constants.NGHTTP2_REFUSED_STREAM), code: Status.UNAVAILABLE, message: 'Stream refused by server' },
    { name: 'RST_STREAM CANCEL', respond: (s) => s.close(constants.NGHTTP2_CANCEL), code: Status.CANCELLED, message: 'Call cancelled' },
    { name: 'RST_STREAM ENHANCE_YOUR_CALM', respond: (s) => s.close(constants.NGHTTP2_ENHANCE_YOUR_CALM), code: Status.RESOURCE_EXHAUSTED, message: /Bandwidth/ },
    { name: 'RST_STREAM INADEQUATE_SECURITY', respond: (s) => s.close(constants.NGHTTP2_INADEQUATE_SECURITY), code: Status.PERMISSION_DENIED, message: 'Protocol not secure enough' },
    { name: 'RST_STREAM PROTOCOL_ERROR', respond: (s) => s.close(constants.NGHTTP2_PROTOCOL_ERROR), code: Status.INTERNAL, message: 'Received RST_STREAM with code 1' },
  ];
  for (const { name, respond, code, message } of statusCases) {
    it(`${name} -> ${Status[code]}`, async () => {
      server.handle(respond);
      const err = await grpcErrorOf(within(OUTCOME_WAIT_MS, stub.Unary.promise({})));
      assert.equal(Status[err.code], Status[code]);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
    });
  }

  it('trailers-only metadata reaches the error', async () => {
    server.handle((s) => s.respond({ ...GRPC_OK_HEADERS, 'grpc-status': '5', 'x-t': 'v' }, { endStream: true }));
    const err = await grpcErrorOf(stub.Unary.promise({}));
    assert.deepEqual(err.metadata.get('x-t'), ['v']);
  });

  it('unsubscribe sends RST_STREAM with CANCEL', async () => {
    let rstCode: number | undefined;
    const closed = new Promise<void>((resolve) => {
      server.handle((stream) => {
        stream.respond(GRPC_OK_HEADERS);
        stream.on('close', () => { rstCode = stream.rstCode; resolve(); });
      });
    });
    const subscription = stub.ServerStream({}).subscribe();
    await sleep(50);
    subscription.unsubscribe();
    await within(CANCEL_SEEN_MS, closed, 'server stream close');
    assert.equal(rstCode, constants.NGHTTP2_CANCEL);
  });

  it('pulls an AsyncIterable only as fast as the server reads (backpressure)', async () => {
    let paused: (() => void) | undefined;
    server.handle((stream) => {
      stream.pause(); // never read: the flow-control windows fill up
      stream.respond(GRPC_OK_HEADERS);
      paused = () => stream.close(constants.NGHTTP2_CANCEL);
    });
    let pulled = 0;
    async function* big() {
      for (;;) { pulled++; yield { text: 'x'.repeat(1024) }; }
    }
    const subscription = stub.ClientStream(big()).subscribe({ error: () => undefined });
    await sleep(300);
    const bounded = pulled;
    await sleep(100);
    // The server's 64 KiB stream window plus Node's 16 KiB write buffer hold about 80 messages of 1 KiB.
    assert.ok(bounded > 10 && bounded < 200, `pulled ${bounded} messages of 1 KiB`);
    assert.ok(pulled - bounded <= 1, 'no further pulls while the stream stays blocked');
    subscription.unsubscribe();
    paused?.();
  });
});

function trailed(
  stream: Parameters<Parameters<RawServer['handle']>[0]>[0],
  frames: Buffer[],
  trailers: Record<string, string>,
  encoding?: string,
): void {
  stream.respond({ ...GRPC_OK_HEADERS, ...(encoding === undefined ? {} : { 'grpc-encoding': encoding }) }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  for (const frame of frames) stream.write(frame);
  stream.end();
}
