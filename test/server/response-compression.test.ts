// Per-message compression on the server, as the interop cases need it: CallContext.requestCompressed
// (per request message) and setResponseCompression (call encoding before the headers, per message after).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { map, Observable, toArray } from 'rxjs';
import { encodeFrame } from '../../lib/protocol/framing.js';
import type { EncodingName } from '../../lib/protocol/compression.js';
import type { CallContext, ServerHandler } from '../../lib/server/call-context.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { rawSuite } from '../bad-input/raw-client.js';
import { framesOf as framesIn } from '../fixtures/frames.js';
import { shapes } from './fixtures.js';
import type { Item } from './fixtures.js';

const unary = shapes.methods.get('Unary')!;
const BURST = 64;
const item = (text: string): Buffer => unary.serializeRequest({ text });
const plain = (text: string): Buffer => encodeFrame(item(text), false);
const zipped = (text: string): Buffer => encodeFrame(gzipSync(item(text)), true);

/** Each response frame's compressed flag and decoded text. */
function framesOf(body: Buffer): Array<{ compressed: boolean; text: string }> {
  return framesIn(body).map(({ compressed, data }) =>
    ({ compressed, text: (unary.deserializeResponse(compressed ? gunzipSync(data) : data) as Item).text }));
}

describe('server: per-message compression', { timeout: 10_000 }, () => {
  let switchError: unknown;
  const handlers: Record<string, ServerHandler> = {
    // Unary: answers with the compression the request text names, and whether the request was compressed.
    Unary: (request: Item, ctx: CallContext) => {
      ctx.setResponseCompression(request.text as EncodingName);
      return { text: String(ctx.requestCompressed) };
    },
    ClientStream: (requests: Observable<Item>, ctx: CallContext) =>
      requests.pipe(map(() => ctx.requestCompressed), toArray(), map((flags) => ({ text: flags.join(',') }))),
    // Each request text is the encoding of one response, set just before it is sent.
    ServerStream: async function* (request: Item, ctx: CallContext) {
      for (const encoding of request.text.split(',')) {
        try {
          ctx.setResponseCompression(encoding as EncodingName);
        } catch (err) {
          switchError = err;
          continue;
        }
        yield { text: encoding };
      }
    },
    // An Observable's synchronous burst, far past the stream window, alternating compression per message.
    Bidi: (_requests: Observable<Item>, ctx: CallContext) => new Observable<Partial<Item>>((subscriber) => {
      for (let i = 0; i < BURST; i++) {
        ctx.setResponseCompression(i % 2 === 0 ? 'gzip' : 'identity');
        subscriber.next({ text: `${i}:${'x'.repeat(16 * 1024)}` });
      }
      subscriber.complete();
    }),
  };
  const path = (method: string): string => `/servertest.Shapes/${method}`;
  const raw = rawSuite(async () => {
    const server = new GrpcServer();
    server.addService(shapes, handlers);
    const port = await server.listen('127.0.0.1:0');
    return { port, close: () => server.close({ force: true }) };
  });

  it('tells a unary handler whether its request arrived compressed', async () => {
    for (const [body, expected] of [[plain('identity'), 'false'], [zipped('identity'), 'true']] as const) {
      const response = await raw.client.request({ path: path('Unary'), headers: { 'grpc-encoding': 'gzip' }, body: [body] });
      assert.equal(response.grpcStatus, 0);
      assert.deepEqual(framesOf(response.body), [{ compressed: false, text: expected }]);
    }
  });

  it('tells a streaming handler, per message, whether each request arrived compressed', async () => {
    const response = await raw.client.request({
      path: path('ClientStream'),
      headers: { 'grpc-encoding': 'gzip' },
      body: [zipped('a'), plain('b'), zipped('c'), plain('d')],
    });
    assert.equal(response.grpcStatus, 0);
    assert.equal(framesOf(response.body)[0]?.text, 'true,false,true,false');
  });

  const unaryCases: Array<{ name: string; request: Buffer; encoding: string; accept: string; header: string | undefined; compressed: boolean }> = [
    { name: 'gzip on an identity request the client accepts gzip for', request: plain('gzip'), encoding: 'identity', accept: 'identity,gzip', header: 'gzip', compressed: true },
    { name: 'gzip the client does not accept: identity', request: plain('gzip'), encoding: 'identity', accept: 'identity', header: undefined, compressed: false },
    { name: 'identity on a gzip request: no grpc-encoding, an uncompressed message', request: zipped('identity'), encoding: 'gzip', accept: 'identity,deflate,gzip', header: undefined, compressed: false },
  ];
  for (const c of unaryCases) {
    it(`setResponseCompression before the headers: ${c.name}`, async () => {
      const response = await raw.client.request({
        path: path('Unary'),
        headers: { 'grpc-encoding': c.encoding, 'grpc-accept-encoding': c.accept },
        body: [c.request],
      });
      assert.equal(response.grpcStatus, 0);
      assert.equal(response.headers['grpc-encoding'], c.header);
      assert.equal(framesOf(response.body)[0]?.compressed, c.compressed);
    });
  }

  it('setResponseCompression after the headers turns compression off and on per message', async () => {
    const response = await raw.client.request({
      path: path('ServerStream'),
      headers: { 'grpc-accept-encoding': 'identity,gzip' },
      body: [plain('gzip,identity,gzip,identity')],
    });
    assert.equal(response.grpcStatus, 0);
    assert.equal(response.headers['grpc-encoding'], 'gzip');
    assert.deepEqual(framesOf(response.body).map((f) => f.compressed), [true, false, true, false]);
  });

  it('an Observable burst that waits for the stream keeps each message\'s compression from when it was emitted', async () => {
    const response = await raw.client.request({
      path: path('Bidi'),
      headers: { 'grpc-accept-encoding': 'identity,gzip' },
      body: [plain('go')],
    });
    assert.equal(response.grpcStatus, 0);
    const frames = framesOf(response.body);
    assert.deepEqual(frames.map((f) => f.text.split(':')[0]), Array.from({ length: BURST }, (_, i) => String(i)));
    assert.deepEqual(frames.map((f) => f.compressed), Array.from({ length: BURST }, (_, i) => i % 2 === 0));
  });

  it('refuses, after the headers, an encoding other than the one they name', async () => {
    switchError = undefined;
    const response = await raw.client.request({
      path: path('ServerStream'),
      headers: { 'grpc-accept-encoding': 'identity,deflate,gzip' },
      body: [plain('gzip,deflate,gzip')],
    });
    assert.equal(response.grpcStatus, 0);
    assert.deepEqual(framesOf(response.body).map((f) => f.text), ['gzip', 'gzip']);
    assert.ok(switchError instanceof Error);
    assert.match(switchError.message, /grpc-encoding gzip, not deflate/);
  });

  it('refuses an unknown encoding with a TypeError', async () => {
    switchError = undefined;
    const response = await raw.client.request({ path: path('ServerStream'), body: [plain('br')] });
    assert.equal(response.grpcStatus, 0);
    assert.ok(switchError instanceof TypeError);
  });
});
