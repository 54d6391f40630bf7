// How handler failures become statuses: GrpcError keeps its own, anything else is UNKNOWN.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, of, throwError } from 'rxjs';
import type { ServerHandler } from '../../lib/server/call-context.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Metadata } from '../../lib/protocol/metadata.js';
import { Status } from '../../lib/protocol/status.js';
import { callUnary, collectStream, startHarness } from './fixtures.js';

const notFound = (): GrpcError =>
  new GrpcError(Status.NOT_FOUND, 'no such thing', { metadata: new Metadata({ 'x-detail': 'why' }) });

const failures: Array<[string, ServerHandler, Status, string]> = [
  ['throws a GrpcError', () => { throw notFound(); }, Status.NOT_FOUND, 'no such thing'],
  ['rejects with a GrpcError', async () => { throw notFound(); }, Status.NOT_FOUND, 'no such thing'],
  ['errors its Observable', () => throwError(() => notFound()), Status.NOT_FOUND, 'no such thing'],
  ['throws a plain Error', () => { throw new Error('boom'); }, Status.UNKNOWN, 'Exception calling application: boom'],
  ['throws an object with a gRPC code', () => { throw { code: Status.ABORTED, message: 'try again' }; }, Status.ABORTED, 'try again'],
  ['throws a string', () => { throw 'bare'; }, Status.UNKNOWN, 'Exception calling application: bare'],
];

describe('handler failures', () => {
  for (const [what, handler, code, message] of failures) {
    it(`a handler that ${what} ends with ${Status[code]}`, async () => {
      const harness = await startHarness({ Unary: handler });
      try {
        const outcome = await callUnary(harness.client, {});
        assert.equal(outcome.status.code, code);
        assert.equal(outcome.status.details, message);
        if (code === Status.NOT_FOUND) assert.deepEqual(outcome.status.metadata.get('x-detail'), ['why']);
      } finally {
        await harness.close();
      }
    });
  }

  it('a stream that fails after two messages delivers both, then the status', async () => {
    const harness = await startHarness({
      ServerStream: () => concat(of({ text: 'a' }, { text: 'b' }), throwError(() => notFound())),
    });
    try {
      const outcome = await collectStream(harness.client['ServerStream']!({}));
      assert.deepEqual(outcome.responses.map((r) => r.text), ['a', 'b']);
      assert.equal(outcome.status.code, Status.NOT_FOUND);
    } finally {
      await harness.close();
    }
  });

  it('an async generator that throws after a message delivers it, then UNKNOWN', async () => {
    const harness = await startHarness({
      ServerStream: async function* () { yield { text: 'a' }; throw new Error('late'); },
    });
    try {
      const outcome = await collectStream(harness.client['ServerStream']!({}));
      assert.deepEqual(outcome.responses.map((r) => r.text), ['a']);
      assert.equal(outcome.status.code, Status.UNKNOWN);
      assert.equal(outcome.status.details, 'Exception calling application: late');
    } finally {
      await harness.close();
    }
  });

  it('a response the schema cannot encode is INTERNAL', async () => {
    const harness = await startHarness({ Unary: () => 'not a message' });
    try {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.code, Status.INTERNAL);
    } finally {
      await harness.close();
    }
  });

  it('a response over maxSendMessageLength is RESOURCE_EXHAUSTED', async () => {
    const harness = await startHarness({ Unary: () => ({ blob: Buffer.alloc(2048) }) }, { maxSendMessageLength: 1024 });
    try {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.code, Status.RESOURCE_EXHAUSTED);
    } finally {
      await harness.close();
    }
  });
});
