// The four call shapes of the reference's example service, written once: plaintext in basic.test.ts, over TLS in
// tls.test.ts, for every server x client pair. Replies are compared whole with what grpc-js reads under the pair's
// loader variant (loader-variants.ts), so the same scenarios hold with Nest's default loader.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TEST_TIMEOUT } from './matrix.js';
import type { Pair } from './matrix.js';
import { expectedReply, expectedRequest } from './loader-variants.js';

/** Declares the call-shape scenarios for one pair. */
export function basicScenarios(pair: Pair): void {
  // [message, seqno] per reply -> the reply objects a grpc-js client loaded like this pair's peers reads.
  const replies = (...expected: [string, number?][]): unknown[] =>
    expected.map(([message, seqno]) => expectedReply(pair.loader, seqno === undefined ? { message } : { message, seqno }));

  it('unary_unary', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('unary_unary', { value: 'A', multiplier: 3 });
    assert.deepEqual(result.responses, replies(['AAA']));
    assert.equal(result.status.code, 0);
  });

  it('unary_stream', TEST_TIMEOUT, async () => {
    const result = await pair.client.serverStream('unary_stream', { value: 'A', multiplier: 2 });
    assert.deepEqual(result.responses, replies(['AA', 1], ['AA', 2]));
    assert.equal(result.status.code, 0);
  });

  it('stream_unary', TEST_TIMEOUT, async () => {
    const requests = [{ value: 'A' }, { value: 'B', multiplier: 2 }, { value: 'C', multiplier: 3 }];
    const result = await pair.client.clientStream('stream_unary', requests);
    assert.deepEqual(result.responses, replies(['A,BB,CCC']));
    assert.equal(pair.recorder.last('stream_unary')?.received, 3);
  });

  it('stream_stream', TEST_TIMEOUT, async () => {
    const requests = [{ value: 'A' }, { value: 'B', multiplier: 2 }, { value: 'C', multiplier: 3 }];
    const result = await pair.client.bidi('stream_stream', requests);
    assert.deepEqual(result.responses, replies(['A', 1], ['BB', 2], ['CCC', 3]));
    assert.equal(result.status.code, 0);
  });

  // A handler that ends after the first request, leaving the rest unread: its status must still reach the client
  // (trailers, then RST_STREAM NO_ERROR to stop a sender; the reset alone reads as INTERNAL "Call ended without
  // gRPC status"), whether the client has finished sending or is still at it.
  it('stream_stream ending after the first request, the client done sending', TEST_TIMEOUT, async () => {
    const result = await pair.client.bidi('first_only_stream', [{ value: 'A' }, { value: 'B' }, { value: 'C' }]);
    assert.deepEqual(result.responses, replies(['A', 1]));
    assert.equal(result.status.code, 0);
  });

  it('stream_stream ending after the first request, the client still sending', TEST_TIMEOUT, async () => {
    async function* requests(): AsyncIterable<{ value: string }> {
      yield { value: 'A' };
      await new Promise((resolve) => setTimeout(resolve, 1000));
      yield { value: 'late' };
    }
    const result = await pair.client.bidi('first_only_stream', requests());
    assert.deepEqual(result.responses, replies(['A', 1]));
    assert.equal(result.status.code, 0);
  });

  // Issue 12: with Nest's default loader (defaults off) a zero or empty value given explicitly must arrive as a
  // property, as grpc-js sends and reads it, in the request the handler gets and in the reply the caller gets.
  it('zero and empty values arrive as set, both ways', TEST_TIMEOUT, async () => {
    const request = { value: '', multiplier: 0, payload: Buffer.alloc(0) };
    const result = await pair.client.unary('echo_unary', request);
    assert.deepStrictEqual(pair.recorder.last('echo_unary')?.request, expectedRequest(pair.loader, request));
    const reply = { message: '', seqno: 0, payload: Buffer.alloc(0) };
    assert.deepStrictEqual(result.responses, [expectedReply(pair.loader, reply)]);
  });

  it('stream_stream with requests produced asynchronously', TEST_TIMEOUT, async () => {
    async function* requests(): AsyncIterable<{ value: string }> {
      for (const value of ['x', 'y', 'z']) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield { value };
      }
    }
    const result = await pair.client.bidi('stream_stream', requests());
    assert.deepEqual(result.responses, replies(['x', 1], ['y', 2], ['z', 3]));
  });

  it('empty request streams', TEST_TIMEOUT, async () => {
    assert.deepEqual((await pair.client.clientStream('stream_unary', [])).responses, replies(['']));
    assert.deepEqual((await pair.client.bidi('stream_stream', [])).responses, []);
  });

  it('UnaryCamelCase: method names match as written', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('UnaryCamelCase', { value: 'Camel', multiplier: 2 });
    assert.deepEqual(result.responses, replies(['CamelCamel']));
  });

  it('unicode strings round-trip', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('unary_unary', { value: 'ünï✓😀', multiplier: 2 });
    assert.equal(result.responses[0]?.message, 'ünï✓😀ünï✓😀');
  });

  it('concurrent calls on one client', TEST_TIMEOUT, async () => {
    const values = Array.from({ length: 50 }, (_, i) => `v${i}`);
    const results = await Promise.all(values.map((value) => pair.client.unary('unary_unary', { value, multiplier: 2 })));
    assert.deepEqual(results.map((r) => r.responses[0]?.message), values.map((v) => v + v));
    const streams = await Promise.all(values.slice(0, 10).map((value) => pair.client.bidi('stream_stream', [{ value }])));
    assert.deepEqual(streams.map((r) => r.responses[0]?.message), values.slice(0, 10));
  });
}
