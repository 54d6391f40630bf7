// Rich statuses across every server x client pair: the reference's three ways to fail (via the context, by
// throwing the server's error, through a registered mapping), unary and after N streamed replies, each with
// google.rpc.Status details every client decodes alike; and UNKNOWN's DebugInfo for unmapped exceptions.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ALL_DETAILS, decodedDetails } from './detail-samples.js';
import { OutOfTokens, outOfTokensStatus } from './example-failures.js';
import { pickPrefix } from './example-service.js';
import type { RequestInit } from './example-service.js';
import type { CallError } from './example-client.js';
import { describeMatrix, failureOf, TEST_TIMEOUT } from './matrix.js';
import type { Pair } from './matrix.js';

const FAILED_PRECONDITION = 9;
const UNKNOWN = 2;
const REPLIES = 3;

/** Calls `<shape>_<way>` of the example service with `count` replies first (streams only). */
function call(pair: Pair, shape: 'unary' | 'stream', way: string, request: RequestInit): Promise<CallError> {
  const method = `${shape}_${way}`;
  return failureOf(shape === 'unary'
    ? pair.client.unary(method, request)
    : pair.client.serverStream(method, { ...request, count: REPLIES }));
}

function assertReplies(failure: CallError, shape: 'unary' | 'stream'): void {
  const expected = shape === 'unary' ? [] : Array.from({ length: REPLIES }, (_, i) => i + 1);
  assert.deepEqual(failure.responses.map((reply) => reply.seqno), expected);
}

describeMatrix((pair) => {
  for (const shape of ['unary', 'stream'] as const) {
    for (const way of ['error_via_context', 'grpc_error']) {
      it(`${shape}_${way}: code, message, trailing metadata and every standard detail`, TEST_TIMEOUT, async () => {
        const message = 'Out of tokens! ✓';
        const failure = await call(pair, shape, way, {
          code: FAILED_PRECONDITION, message, trailer: { 'x-why': 'tokens' }, trailer_bin: { 'x-raw-bin': Buffer.from([0, 255]) },
        });
        assertReplies(failure, shape);
        assert.deepEqual({ code: failure.code, message: failure.message }, { code: FAILED_PRECONDITION, message });
        assert.deepEqual(pickPrefix(failure.metadata, 'x-'), { 'x-why': ['tokens'], 'x-raw-bin': [Buffer.from([0, 255])] });
        assert.deepEqual(failure.status, { code: FAILED_PRECONDITION, message, details: decodedDetails(ALL_DETAILS) });
      });
    }

    it(`${shape}_error_from_exception: the registered mapping's status and details`, TEST_TIMEOUT, async () => {
      const failure = await call(pair, shape, 'error_from_exception', {});
      const expected = outOfTokensStatus(new OutOfTokens(shape === 'unary' ? 0 : REPLIES));
      assertReplies(failure, shape);
      assert.deepEqual({ code: failure.code, message: failure.message }, { code: expected.code, message: expected.message });
      assert.deepEqual(failure.status, { code: expected.code, message: expected.message, details: decodedDetails(expected.details) });
    });

    it(`throw_${shape}: a plain Error is UNKNOWN${pair.server.expect.sendsDebugInfo ? ' with a DebugInfo' : ''}`, TEST_TIMEOUT, async () => {
      const failure = await failureOf(shape === 'unary'
        ? pair.client.unary('throw_unary', { message: 'boom' })
        : pair.client.serverStream('throw_stream', { message: 'boom', count: REPLIES }));
      assertReplies(failure, shape);
      const message = pair.server.expect.unknownMessage('boom');
      assert.deepEqual({ code: failure.code, message: failure.message }, { code: UNKNOWN, message });
      if (!pair.server.expect.sendsDebugInfo) {
        assert.equal(failure.status, undefined);
        return;
      }
      assert.deepEqual([failure.status?.code, failure.status?.message, failure.status?.details.length], [UNKNOWN, message, 1]);
      const [debug] = failure.status?.details ?? [];
      assert.equal(debug?.typeUrl, 'type.googleapis.com/google.rpc.DebugInfo');
      const info = debug?.value as { stackEntries: string[]; detail: string };
      assert.equal(info.detail, 'Error: boom');
      assert.equal(info.stackEntries[0], 'Error: boom');
      assert.ok(info.stackEntries.some((line) => line.includes('example-failures.js')), info.stackEntries.join('\n'));
    });
  }

  it('a failure without details sends no google.rpc.Status', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.unary('fail_unary', { code: 5, message: 'plain' }));
    assert.deepEqual([failure.code, failure.status], [5, undefined]);
  });
});
