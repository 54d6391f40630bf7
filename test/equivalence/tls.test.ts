// Every server x client pair over TLS with the test certificates: the call shapes, mutual TLS, and the failures
// that must end UNAVAILABLE without hanging (wrong CA, no client certificate, plaintext against TLS and the reverse),
// after which the server still serves.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { basicScenarios } from './basic-scenarios.js';
import type { ClientFactoryOptions } from './example-client.js';
import { describeMatrix, failureOf, TEST_TIMEOUT } from './matrix.js';
import type { Pair } from './matrix.js';

const UNAVAILABLE = 14;

/** A call from a new client of the pair's kind with `options` must fail UNAVAILABLE; ours must say why. */
async function assertUnavailable(pair: Pair, options: ClientFactoryOptions, ourMessage: RegExp): Promise<void> {
  const failure = await failureOf(pair.connect(pair.address, options).unary('unary_unary', { value: 'A' }));
  assert.equal(failure.code, UNAVAILABLE, failure.message);
  if (pair.clientKind.name !== 'grpc-js') assert.match(failure.message, ourMessage);
}

/** The pair's own client still gets answers: a refused peer did not take the server down. */
async function assertStillServes(pair: Pair): Promise<void> {
  const result = await pair.client.bidi('stream_stream', [{ value: 'A' }, { value: 'B' }]);
  assert.deepEqual(result.responses.map((reply) => reply.message), ['A', 'B']);
}

describeMatrix((pair) => {
  basicScenarios(pair);

  it('a client that trusts another CA fails UNAVAILABLE, saying why', TEST_TIMEOUT, async () => {
    await assertUnavailable(pair, { tls: 'other-ca' }, /^No connection established\. TLS failed: unable to verify the first certificate/);
    await assertStillServes(pair);
  });

  it('a plaintext client fails UNAVAILABLE', TEST_TIMEOUT, async () => {
    await assertUnavailable(pair, {}, /^Connection dropped$/);
    await assertStillServes(pair);
  });
}, { server: 'tls', client: 'test-ca' });

describeMatrix((pair) => {
  it('with the client certificate, unary and bidi calls work', TEST_TIMEOUT, async () => {
    assert.equal((await pair.client.unary('unary_unary', { value: 'A', multiplier: 2 })).responses[0]?.message, 'AA');
    await assertStillServes(pair);
  });

  it('without a client certificate the call fails UNAVAILABLE, and the server keeps serving', TEST_TIMEOUT, async () => {
    await assertUnavailable(pair, { tls: 'test-ca' }, /^No connection established\. TLS failed: .*certificate required/);
    await assertStillServes(pair);
  });
}, { server: 'mutual', client: 'test-ca+certificate' });

describeMatrix((pair) => {
  it('a TLS client against a plaintext server fails UNAVAILABLE', TEST_TIMEOUT, async () => {
    await assertUnavailable(pair, { tls: 'test-ca' }, /^No connection established\. TLS failed: wrong version number/);
    await assertStillServes(pair);
  });
});
