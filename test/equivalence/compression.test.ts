// Compression on the wire, measured by a byte-counting proxy: per-call gzip/deflate and the client
// default compress requests; replies come back compressed as each server deliberately does.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ByteCountingProxy } from './byte-counting-proxy.js';
import type { ByteCounts } from './byte-counting-proxy.js';
import type { EncodingName, ExampleCallOptions, ExampleClient } from './example-client.js';
import { patternBytes } from './example-service.js';
import { describeMatrix, TEST_TIMEOUT } from './matrix.js';

const PAYLOAD = 256 * 1024;
const SMALL = PAYLOAD / 10;   // compressed: the 251-byte cycle shrinks far below this

function assertCompressed(bytes: number, compressed: boolean, what: string): void {
  if (compressed) assert.ok(bytes < SMALL, `${what}: ${bytes} bytes on the wire, expected < ${SMALL} (compressed)`);
  else assert.ok(bytes > PAYLOAD, `${what}: ${bytes} bytes on the wire, expected > ${PAYLOAD} (identity)`);
}

describeMatrix((pair) => {
  let proxy: ByteCountingProxy;
  before(async () => { proxy = await ByteCountingProxy.start(pair.address); }, TEST_TIMEOUT);
  after(() => proxy.stop(), TEST_TIMEOUT);

  async function payloadCall(client: ExampleClient, options: ExampleCallOptions): Promise<ByteCounts> {
    return proxy.measure(async () => {
      const result = await client.unary('payload_unary', { payload: patternBytes(PAYLOAD), response_size: PAYLOAD }, options);
      assert.equal(result.responses[0]?.received_size, PAYLOAD);
      assert.ok(result.responses[0]?.payload.equals(patternBytes(PAYLOAD)), 'the reply payload arrives intact');
    });
  }

  it('identity: the full payload crosses the wire both ways', TEST_TIMEOUT, async () => {
    const bytes = await payloadCall(pair.connect(proxy.address), {});
    assertCompressed(bytes.toServer, false, 'request');
    assertCompressed(bytes.toClient, false, 'reply');
  });

  for (const encoding of ['gzip', 'deflate'] satisfies EncodingName[]) {
    it(`per-call ${encoding}: the request is compressed; the reply as the server does`, TEST_TIMEOUT, async () => {
      const bytes = await payloadCall(pair.connect(proxy.address), { compression: encoding });
      assertCompressed(bytes.toServer, true, 'request');
      assertCompressed(bytes.toClient, pair.server.expect.compressesResponses, 'reply');
    });
  }

  it('client default gzip compresses calls without a per-call choice', TEST_TIMEOUT, async () => {
    const bytes = await payloadCall(pair.connect(proxy.address, { defaultCompression: 'gzip' }), {});
    assertCompressed(bytes.toServer, true, 'request');
    assertCompressed(bytes.toClient, pair.server.expect.compressesResponses, 'reply');
  });

  it('per-call identity overrides a client default of deflate', TEST_TIMEOUT, async () => {
    const bytes = await payloadCall(pair.connect(proxy.address, { defaultCompression: 'deflate' }), { compression: 'identity' });
    assertCompressed(bytes.toServer, false, 'request');
    assertCompressed(bytes.toClient, false, 'reply');
  });

  it('payload_stream with gzip: every streamed message compressed', TEST_TIMEOUT, async () => {
    const client = pair.connect(proxy.address);
    const requests = [1, 2, 3].map(() => ({ payload: patternBytes(PAYLOAD), response_size: PAYLOAD }));
    const bytes = await proxy.measure(async () => {
      const result = await client.bidi('payload_stream', requests, { compression: 'gzip' });
      assert.deepEqual(result.responses.map((r) => r.received_size), [PAYLOAD, PAYLOAD, PAYLOAD]);
    });
    assertCompressed(bytes.toServer, true, 'requests');
    assertCompressed(bytes.toClient, pair.server.expect.compressesResponses, 'replies');
  });
});
