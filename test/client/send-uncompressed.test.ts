// sendUncompressed: one request message goes out with flag 0 on a call that compresses the others
// (grpc-js's WriteFlags.NoCompress), read as raw frames by a bare HTTP/2 server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { sendUncompressed } from '../../lib/client/request-writer.js';
import type { EncodingName } from '../../lib/protocol/compression.js';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { SUITE_TIMEOUT_MS, collect, echoMethod, echoService } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import { GRPC_OK_HEADERS, readBody, startRawServer } from './raw-server.js';
import type { RawServer } from './raw-server.js';

const unary = echoMethod('Unary');

/** The request frames a server received: compressed flag and decoded text. */
function framesOf(body: Buffer): Array<{ compressed: boolean; text: string }> {
  const frames: Array<{ compressed: boolean; text: string }> = [];
  for (let at = 0; at < body.length;) {
    const compressed = body[at] === 1;
    const length = body.readUInt32BE(at + 1);
    const data = body.subarray(at + 5, at + 5 + length);
    frames.push({ compressed, text: (unary.deserializeRequest(compressed ? gunzipSync(data) : data) as { text: string }).text });
    at += 5 + length;
  }
  return frames;
}

describe('client: sendUncompressed', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: RawServer;
  let client: GrpcClient;
  let stub: EchoStub;
  let received: { encoding: unknown; frames: Array<{ compressed: boolean; text: string }> } | undefined;

  before(async () => {
    server = await startRawServer();
    server.handle(async (stream, headers) => {
      const body = await readBody(stream);
      received = { encoding: headers['grpc-encoding'], frames: framesOf(body) };
      stream.respond(GRPC_OK_HEADERS, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(encodeFrame(unary.serializeResponse({ text: 'ok' }), false));
    });
    client = new GrpcClient(server.address);
    stub = client.getService<EchoStub>(echoService);
  });
  after(async () => {
    await client.close({ force: true });
    await server.stop();
  });

  const cases: Array<{ name: string; compression: EncodingName | undefined; marked: boolean[]; flags: boolean[]; encoding: string | undefined }> = [
    { name: 'marked messages of a gzip stream go out uncompressed, the others compressed', compression: 'gzip', marked: [false, true, false, true], flags: [true, false, true, false], encoding: 'gzip' },
    { name: 'a gzip stream with no marks compresses every message', compression: 'gzip', marked: [false, false], flags: [true, true], encoding: 'gzip' },
    { name: 'marks change nothing on a call that does not compress', compression: undefined, marked: [true, false], flags: [false, false], encoding: undefined },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const requests = c.marked.map((mark, i) => (mark ? sendUncompressed({ text: `m${i}` }) : { text: `m${i}` }));
      await collect(stub.Bidi(requests, { compression: c.compression }));
      assert.equal(received?.encoding, c.encoding);
      assert.deepEqual(received?.frames, c.flags.map((compressed, i) => ({ compressed, text: `m${i}` })));
    });
  }

  it('a marked unary request goes out uncompressed under grpc-encoding gzip', async () => {
    await stub.Unary.promise(sendUncompressed({ text: 'probe' }), { compression: 'gzip' });
    assert.equal(received?.encoding, 'gzip');
    assert.deepEqual(received?.frames, [{ compressed: false, text: 'probe' }]);
  });

  it('returns the message itself, untouched', () => {
    const message = { text: 'same' };
    assert.equal(sendUncompressed(message), message);
    assert.deepEqual(Object.keys(message), ['text']);
  });
});
