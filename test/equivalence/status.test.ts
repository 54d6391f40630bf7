// Status codes: every non-OK code with its message and trailing metadata reaches the client as the
// handler failed with it; a plain Error is UNKNOWN; an unregistered method is UNIMPLEMENTED.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pickPrefix } from './example-service.js';
import { describeMatrix, failureOf, TEST_TIMEOUT } from './matrix.js';

const CODES = [
  'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
] as const;
const DETAIL = Buffer.from([0, 1, 0x7f, 0x80, 0xff]);

describeMatrix((pair) => {
  CODES.forEach((name, index) => {
    const code = index + 1;
    it(`fail_unary with ${name} (${code}), message and trailing metadata`, TEST_TIMEOUT, async () => {
      const failure = await failureOf(pair.client.unary('fail_unary', {
        value: name, code, message: `failed with ${name}`,
        trailer: { 'x-reason': name.toLowerCase() }, trailer_bin: { 'x-detail-bin': DETAIL },
      }));
      assert.deepEqual({ code: failure.code, message: failure.message }, { code, message: `failed with ${name}` });
      assert.deepEqual(pickPrefix(failure.metadata, 'x-'), { 'x-reason': [name.toLowerCase()], 'x-detail-bin': [DETAIL] });
      assert.deepEqual(failure.responses, []);
    });
  });

  it('fail_stream fails after its replies, keeping them and the trailing metadata', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.serverStream('fail_stream', {
      code: 9, message: 'out of tokens', count: 2, trailer: { 'x-tokens': '0' },
    }));
    assert.deepEqual({ code: failure.code, message: failure.message }, { code: 9, message: 'out of tokens' });
    assert.deepEqual(failure.responses.map((r) => r.seqno), [1, 2]);
    assert.deepEqual(pickPrefix(failure.metadata, 'x-'), { 'x-tokens': ['0'] });
  });

  it('fail_stream before any reply', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.serverStream('fail_stream', { code: 5, message: 'nothing here' }));
    assert.deepEqual({ code: failure.code, message: failure.message }, { code: 5, message: 'nothing here' });
    assert.deepEqual(failure.responses, []);
  });

  it('a message outside printable ASCII round-trips (percent-encoded on the wire)', TEST_TIMEOUT, async () => {
    const message = 'naïve ✓ 100% sure; tab\there, line\nbreak, emoji 😀';
    const failure = await failureOf(pair.client.unary('fail_unary', { code: 3, message }));
    assert.deepEqual({ code: failure.code, message: failure.message }, { code: 3, message });
  });

  it('throw_unary: a plain Error is UNKNOWN', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.unary('throw_unary', { message: 'boom' }));
    assert.deepEqual({ code: failure.code, message: failure.message },
      { code: 2, message: pair.server.expect.unknownMessage('boom') });
  });

  it('not_implemented: UNIMPLEMENTED', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.unary('not_implemented', { value: 'x' }));
    assert.equal(failure.code, 12);
  });

  it('calls after failures still succeed', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('unary_unary', { value: 'fine' });
    assert.equal(result.responses[0]?.message, 'fine');
  });
});
