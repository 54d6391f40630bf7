// Invocation metadata reaches the handler as sent; 'x-echo-*' keys come back as initial and trailing
// metadata (text, repeated, binary), for every server x client pair.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pickPrefix } from './example-service.js';
import type { MetadataMap } from './example-service.js';
import { describeMatrix, TEST_TIMEOUT } from './matrix.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const ECHOED: MetadataMap = {
  'x-echo-text': ['hello world'],
  'x-echo-repeated': ['one', 'two'],
  'x-echo-empty': [''],
  'x-echo-bin': [Buffer.from([0, 1, 2, 0xfe, 0xff])],
  'x-echo-repeated-bin': [Buffer.from('first'), ALL_BYTES],
};
const SENT: MetadataMap = { ...ECHOED, 'x-other': ['not echoed'], 'x-other-bin': [Buffer.from([7])] };

/**
 * HTTP/2 peers may join repeated text values with ', ' (node:http2 does on receipt, and grpc-js
 * keeps the joined string as one value), so text values compare joined; binary values stay separate.
 */
function normalised(metadata: MetadataMap): Record<string, string | Buffer[]> {
  return Object.fromEntries(Object.entries(metadata).map(([key, values]) =>
    [key, key.endsWith('-bin') ? values.map((v) => Buffer.from(v)) : values.join(', ')]));
}

describeMatrix((pair) => {
  it('the handler sees the metadata as sent, and no transport headers', TEST_TIMEOUT, async () => {
    await pair.client.unary('echo_metadata_unary', { value: 'seen' }, { metadata: SENT });
    const seen = pair.recorder.last('echo_metadata_unary', 'seen');
    assert.ok(seen, 'the server recorded the call');
    const { 'user-agent': _userAgent, ...custom } = seen.metadata;
    assert.deepEqual(normalised(custom), normalised(SENT));
  });

  it('echo_metadata_unary: x-echo-* as initial and trailing metadata', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('echo_metadata_unary', { value: 'echo' }, { metadata: SENT });
    assert.equal(result.responses[0]?.message, 'echo');
    assert.deepEqual(normalised(pickPrefix(result.header, 'x-echo-')), normalised(ECHOED));
    assert.deepEqual(normalised(pickPrefix(result.trailer, 'x-echo-')), normalised(ECHOED));
    assert.deepEqual(pickPrefix(result.header, 'x-other'), {});
    assert.deepEqual(pickPrefix(result.trailer, 'x-other'), {});
  });

  it('echo_metadata_stream: x-echo-* as initial and trailing metadata', TEST_TIMEOUT, async () => {
    const result = await pair.client.bidi('echo_metadata_stream', [{ value: 'a' }, { value: 'b' }], { metadata: SENT });
    assert.deepEqual(result.responses.map((r) => [r.message, r.seqno]), [['a', 1], ['b', 2]]);
    assert.deepEqual(normalised(pickPrefix(result.header, 'x-echo-')), normalised(ECHOED));
    assert.deepEqual(normalised(pickPrefix(result.trailer, 'x-echo-')), normalised(ECHOED));
  });

  it('keys are case-insensitive and arrive lowercase', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('echo_metadata_unary', { value: 'case' }, {
      metadata: { 'X-Echo-Mixed-Case': ['v'], 'X-ECHO-UPPER-BIN': [Buffer.from([1])] },
    });
    assert.deepEqual(normalised(pickPrefix(result.header, 'x-echo-')),
      { 'x-echo-mixed-case': 'v', 'x-echo-upper-bin': [Buffer.from([1])] });
  });

  it('a call without metadata gets no echoed metadata', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('echo_metadata_unary', { value: 'none' });
    assert.deepEqual(pickPrefix(result.header, 'x-echo-'), {});
    assert.deepEqual(pickPrefix(result.trailer, 'x-echo-'), {});
  });
});
