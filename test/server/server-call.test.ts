// Stream-level behaviour of a call that raw HTTP/2 shows and grpc-js hides: how a stream ends.
import assert from 'node:assert/strict';
import { connect, constants } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { it } from 'node:test';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { shapes, startHarness } from './fixtures.js';

const cases: Array<[string, string, Record<string, string>, (request: unknown) => unknown]> = [
  ['a request stream the handler rejects', 'ClientStream', {}, () => { throw new Error('refused early'); }],
  ['a unary request past its deadline', 'Unary', { 'grpc-timeout': '50m' }, () => ({})],
];

for (const [what, method, extraHeaders, handler] of cases) {
  it(`${what}: a client still sending gets the status, then RST_STREAM NO_ERROR`, { timeout: 5000 }, async () => {
    const harness = await startHarness({ [method]: handler });
    const session = connect(`http://127.0.0.1:${harness.port}`);
    try {
      const stream = session.request({
        ':method': 'POST', ':path': shapes.methods.get(method)!.path,
        'content-type': 'application/grpc', te: 'trailers', ...extraHeaders,
      });
      // One message and no END_STREAM: the client means to go on sending.
      stream.write(encodeFrame(Buffer.alloc(0), false));
      const outcome = await new Promise<{ headers: IncomingHttpHeaders; rstCode: number | undefined }>((resolve) => {
        let headers: IncomingHttpHeaders = {};
        stream.on('response', (h) => { headers = h; });
        stream.resume();
        stream.on('close', () => resolve({ headers, rstCode: stream.rstCode }));
        // A stream left open is the failure this test is about: report it rather than hang.
        setTimeout(() => resolve({ headers, rstCode: undefined }), 2000).unref();
      });
      assert.ok(outcome.headers['grpc-status'] !== undefined && outcome.headers['grpc-status'] !== '0');
      assert.equal(outcome.rstCode, constants.NGHTTP2_NO_ERROR);
    } finally {
      session.destroy();
      await harness.close();
    }
  });
}
