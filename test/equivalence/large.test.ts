// Large messages: several MiB each way, unary and streamed, under the 8 MiB receive limit set on every
// server and client; over it, RESOURCE_EXHAUSTED from whichever side receives.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { patternBytes } from './example-service.js';
import { describeMatrix, failureOf, TEST_TIMEOUT } from './matrix.js';
import { MAX_MESSAGE_BYTES } from './servers.js';

const MiB = 1024 * 1024;
const RESOURCE_EXHAUSTED = 8;

describeMatrix((pair) => {
  it('payload_unary: 6 MiB request and 6 MiB reply', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('payload_unary', { payload: patternBytes(6 * MiB), response_size: 6 * MiB });
    const reply = result.responses[0];
    assert.equal(reply?.received_size, 6 * MiB);
    assert.ok(reply.payload.equals(patternBytes(6 * MiB)), 'the reply payload arrives intact');
  });

  it('payload_stream: 3 MiB requests and replies, streamed', TEST_TIMEOUT, async () => {
    const requests = [1, 2, 3].map(() => ({ payload: patternBytes(3 * MiB), response_size: 3 * MiB }));
    const result = await pair.client.bidi('payload_stream', requests);
    assert.deepEqual(result.responses.map((r) => [r.seqno, r.received_size]), [[1, 3 * MiB], [2, 3 * MiB], [3, 3 * MiB]]);
    for (const reply of result.responses) assert.ok(reply.payload.equals(patternBytes(3 * MiB)));
  });

  it('a reply over the client receive limit: RESOURCE_EXHAUSTED', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.unary('payload_unary', { response_size: MAX_MESSAGE_BYTES + MiB }));
    assert.equal(failure.code, RESOURCE_EXHAUSTED);
  });

  it('a request over the server receive limit: RESOURCE_EXHAUSTED', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.unary('payload_unary',
      { value: 'oversize', payload: patternBytes(MAX_MESSAGE_BYTES + MiB) }));
    assert.equal(failure.code, RESOURCE_EXHAUSTED);
    assert.equal(pair.recorder.last('payload_unary', 'oversize'), undefined, 'the handler never ran');
  });

  it('the client still works after oversize messages', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('payload_unary', { payload: patternBytes(MiB), response_size: 16 });
    assert.equal(result.responses[0]?.received_size, MiB);
  });
});
