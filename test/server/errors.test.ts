// How handler failures become statuses: GrpcError keeps its own, registered mappings apply, anything else is
// UNKNOWN with a DebugInfo (none in production).
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { concat, of, throwError } from 'rxjs';
import type { ServerHandler } from '../../lib/server/call-context.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Metadata } from '../../lib/protocol/metadata.js';
import { Status } from '../../lib/protocol/status.js';
import { packDetail } from '../../lib/protocol/status-details.js';
import { grpcErrorOf, mapRegisteredError, registerErrorHandler } from '../../lib/server/error-registry.js';
import { referenceDecodeStatus } from '../equivalence/rpc-status-reference.js';
import { callUnary, collectStream, startHarness, withHarness } from './fixtures.js';

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
      await withHarness(startHarness({ Unary: handler }), async (harness) => {
        const outcome = await callUnary(harness.client, {});
        assert.equal(outcome.status.code, code);
        assert.equal(outcome.status.details, message);
        if (code === Status.NOT_FOUND) assert.deepEqual(outcome.status.metadata.get('x-detail'), ['why']);
      });
    });
  }

  it('a stream that fails after two messages delivers both, then the status', async () => {
    await withHarness(startHarness({
      ServerStream: () => concat(of({ text: 'a' }, { text: 'b' }), throwError(() => notFound())),
    }), async (harness) => {
      const outcome = await collectStream(harness.client['ServerStream']!({}));
      assert.deepEqual(outcome.responses.map((r) => r.text), ['a', 'b']);
      assert.equal(outcome.status.code, Status.NOT_FOUND);
    });
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
    await withHarness(startHarness({ Unary: () => 'not a message' }), async (harness) => {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.code, Status.INTERNAL);
    });
  });

  it('a response over maxSendMessageLength is RESOURCE_EXHAUSTED', async () => {
    await withHarness(startHarness({ Unary: () => ({ blob: Buffer.alloc(2048) }) }, { maxSendMessageLength: 1024 }), async (harness) => {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.code, Status.RESOURCE_EXHAUSTED);
    });
  });
});

class OutOfTokens extends Error {
  constructor(readonly remaining: number) { super(`out of tokens (${remaining} left)`); }
}
class OutOfGoldTokens extends OutOfTokens {}

/** The DebugInfo a grpc-js client finds in grpc-status-details-bin, decoded with the reference codec. */
function debugInfoOf(status: grpc.StatusObject): unknown {
  const decoded = referenceDecodeStatus(status.metadata.get('grpc-status-details-bin')[0] as Buffer);
  assert.deepEqual([decoded.code, decoded.message], [status.code, status.details]);
  return decoded.details.find((d) => d.typeUrl === 'type.googleapis.com/google.rpc.DebugInfo')?.value;
}

/** process.env turns undefined into 'undefined': unset it instead. */
function setNodeEnv(value: string | undefined): void {
  if (value === undefined) delete process.env['NODE_ENV'];
  else process.env['NODE_ENV'] = value;
}

describe('unmapped exceptions carry a DebugInfo', () => {
  const previous = process.env['NODE_ENV'];
  after(() => setNodeEnv(previous));

  it('with the stack entries and the detail, outside production', async () => {
    setNodeEnv(undefined);
    const harness = await startHarness({ Unary: function failsHere() { throw new Error('boom', { cause: new Error('deeper') }); } });
    try {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.details, 'Exception calling application: boom');
      const info = debugInfoOf(outcome.status) as { stackEntries: string[]; detail: string };
      assert.equal(info.detail, 'Error: boom');
      assert.equal(info.stackEntries[0], 'Error: boom');
      assert.ok(info.stackEntries.some((line) => line.startsWith('at ') && line.includes('failsHere')), info.stackEntries.join('\n'));
      assert.ok(info.stackEntries.includes('Caused by: Error: deeper'), info.stackEntries.join('\n'));
    } finally {
      await harness.close();
    }
  });

  it('none when the server option says debugInfo: false', async () => {
    setNodeEnv(undefined);
    const harness = await startHarness({ Unary: () => { throw new Error('quiet'); } }, { debugInfo: false });
    try {
      const outcome = await callUnary(harness.client, {});
      assert.deepEqual([outcome.status.code, outcome.status.metadata.get('grpc-status-details-bin')], [Status.UNKNOWN, []]);
    } finally {
      await harness.close();
    }
  });

  it('none when NODE_ENV is production, mid-stream too', async () => {
    setNodeEnv('production');
    const harness = await startHarness({ ServerStream: async function* () { yield { text: 'a' }; throw new Error('late'); } });
    try {
      const outcome = await collectStream(harness.client['ServerStream']!({}));
      assert.deepEqual(outcome.responses.map((r) => r.text), ['a']);
      assert.deepEqual([outcome.status.code, outcome.status.details], [Status.UNKNOWN, 'Exception calling application: late']);
      assert.deepEqual(outcome.status.metadata.get('grpc-status-details-bin'), []);
    } finally {
      await harness.close();
    }
  });
});

describe('grpcErrorOf', () => {
  it('a GrpcError as it is', () => assert.equal(grpcErrorOf(notFound()).message, 'no such thing'));

  it('the DebugInfo option wins over NODE_ENV either way', () => {
    const previous = process.env['NODE_ENV'];
    try {
      setNodeEnv('production');
      assert.equal(grpcErrorOf(new Error('x'), { debugInfo: true }).detail('DebugInfo')?.detail, 'Error: x');
      setNodeEnv(undefined);
      assert.equal(grpcErrorOf(new Error('x'), { debugInfo: false }).details, undefined);
      assert.equal(grpcErrorOf(new Error('x')).status?.code, Status.UNKNOWN);
    } finally {
      setNodeEnv(previous);
    }
  });

  it('a thrown non-Error: its text, and a DebugInfo without stack entries', () => {
    const error = grpcErrorOf('bare', { debugInfo: true });
    assert.equal(error.message, 'Exception calling application: bare');
    assert.deepEqual(error.detail('DebugInfo'), { stackEntries: [], detail: 'bare' });
  });
});

describe('registerErrorHandler', () => {
  const toExhausted = (e: OutOfTokens): GrpcError => new GrpcError(Status.RESOURCE_EXHAUSTED, e.message, {
    details: [packDetail('QuotaFailure', { violations: [{ subject: 'tokens', description: `${e.remaining} left` }] })],
  });

  it('maps the class and subclasses; the most specific wins; a later one replaces; removing restores', () => {
    const off = registerErrorHandler(OutOfTokens, toExhausted);
    try {
      assert.equal(grpcErrorOf(new OutOfTokens(1)).code, Status.RESOURCE_EXHAUSTED);
      assert.equal(grpcErrorOf(new OutOfGoldTokens(1)).code, Status.RESOURCE_EXHAUSTED);
      const offGold = registerErrorHandler(OutOfGoldTokens, () => new GrpcError(Status.PERMISSION_DENIED, 'gold only'));
      assert.equal(grpcErrorOf(new OutOfGoldTokens(1)).code, Status.PERMISSION_DENIED);
      assert.equal(grpcErrorOf(new OutOfTokens(1)).code, Status.RESOURCE_EXHAUSTED);
      offGold();
      assert.equal(grpcErrorOf(new OutOfGoldTokens(1)).code, Status.RESOURCE_EXHAUSTED);
      // A later registration replaces an earlier one, whose remover then leaves it alone.
      const later = registerErrorHandler(OutOfTokens, () => new GrpcError(Status.ABORTED, 'later'));
      off();
      assert.equal(grpcErrorOf(new OutOfTokens(1)).message, 'later');
      later();
    } finally {
      off();
    }
    assert.equal(grpcErrorOf(new OutOfTokens(1)).code, Status.UNKNOWN);
    assert.equal(mapRegisteredError(new OutOfTokens(1)), undefined);
  });

  it('registered before a status-shaped reading; primitives are never looked up', () => {
    class Coded extends Error { readonly code = Status.NOT_FOUND; }
    const off = registerErrorHandler(Coded, () => new GrpcError(Status.DATA_LOSS, 'mapped'));
    try {
      assert.equal(grpcErrorOf(new Coded('x')).code, Status.DATA_LOSS);
      assert.equal(mapRegisteredError('text'), undefined);
      assert.equal(mapRegisteredError(null), undefined);
    } finally {
      off();
    }
  });

  it('a mapping that throws: UNKNOWN naming its failure; one answering a non-GrpcError: normalised', () => {
    const off = registerErrorHandler(OutOfTokens, () => { throw new Error('mapping broke'); });
    try {
      assert.equal(grpcErrorOf(new OutOfTokens(1), { debugInfo: false }).message, 'Exception calling application: mapping broke');
    } finally {
      off();
    }
    const offShaped = registerErrorHandler(OutOfTokens, (() => ({ code: Status.ABORTED, message: 'shaped' })) as unknown as (e: OutOfTokens) => GrpcError);
    try {
      const mapped = grpcErrorOf(new OutOfTokens(1));
      assert.deepEqual([mapped instanceof GrpcError, mapped.code, mapped.message], [true, Status.ABORTED, 'shaped']);
    } finally {
      offShaped();
    }
  });

  it('the server applies it to a stream that fails after two messages, thrown from a wrapper around the handler', async () => {
    const off = registerErrorHandler(OutOfTokens, toExhausted);
    const metered = (inner: ServerHandler): ServerHandler => (request, context) => {
      if (context.metadata.get('x-tokens')[0] === '0') throw new OutOfTokens(0);
      return inner(request, context);
    };
    const harness = await startHarness({
      ServerStream: async function* () { yield { text: 'a' }; yield { text: 'b' }; throw new OutOfTokens(3); },
      Unary: metered(() => ({ text: 'never' })),
    });
    try {
      const outcome = await collectStream(harness.client['ServerStream']!({}));
      assert.deepEqual(outcome.responses.map((r) => r.text), ['a', 'b']);
      assert.deepEqual([outcome.status.code, outcome.status.details], [Status.RESOURCE_EXHAUSTED, 'out of tokens (3 left)']);
      const [bytes] = outcome.status.metadata.get('grpc-status-details-bin');
      assert.deepEqual(referenceDecodeStatus(bytes as Buffer).details, [{
        typeUrl: 'type.googleapis.com/google.rpc.QuotaFailure',
        value: { violations: [{ subject: 'tokens', description: '3 left', apiService: '', quotaMetric: '', quotaId: '', quotaDimensions: {}, quotaValue: 0 }] },
      }]);
      assert.equal((await callUnary(harness.client, {})).status.code, Status.OK);
      const metadata = new grpc.Metadata();
      metadata.set('x-tokens', '0');
      const denied = await callUnary(harness.client, {}, {}, metadata);
      assert.deepEqual([denied.status.code, denied.status.details], [Status.RESOURCE_EXHAUSTED, 'out of tokens (0 left)']);
    } finally {
      off();
      await harness.close();
    }
  });
});
