// Tests for lib/protocol/grpc-error.ts: GrpcError fields, rich status details, and the toGrpcError normaliser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrpcError, toGrpcError } from '../../lib/protocol/grpc-error.js';
import { Metadata } from '../../lib/protocol/metadata.js';
import { Status } from '../../lib/protocol/status.js';
import { encodeRpcStatus, packDetail } from '../../lib/protocol/status-details.js';

describe('GrpcError', () => {
  it('carries code, bare message, metadata and details', () => {
    const metadata = new Metadata({ 'x-a': '1' });
    const details = Buffer.from([8, 5]);
    const err = new GrpcError(Status.NOT_FOUND, 'no such thing', { metadata, details, cause: 'why' });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'GrpcError');
    assert.equal(err.code, Status.NOT_FOUND);
    assert.equal(err.message, 'no such thing');
    assert.equal(err.metadata, metadata);
    assert.equal(err.details, details);
    assert.equal(err.cause, 'why');
    assert.match(String(err.stack), /^GrpcError: no such thing/);
  });

  it('defaults to empty metadata, no details and no cause', () => {
    const err = new GrpcError(Status.INTERNAL, 'x');
    assert.equal(err.metadata.size, 0);
    assert.equal(err.details, undefined);
    assert.equal('cause' in err, false);
  });
});

describe('toGrpcError', () => {
  it('returns a GrpcError as is', () => {
    const err = new GrpcError(Status.ABORTED, 'a');
    assert.equal(toGrpcError(err), err);
  });

  it('keeps our metadata from a status-shaped object', () => {
    const metadata = new Metadata({ 'x-a': '1' });
    const err = toGrpcError({ code: 7, message: 'denied', metadata });
    assert.equal(err.metadata, metadata);
  });

  const cases: [string, unknown, Status, string][] = [
    ['a grpc-js ServiceError (details wins over the prefixed message)',
      Object.assign(new Error('5 NOT_FOUND: gone'), { code: 5, details: 'gone', metadata: {} }), Status.NOT_FOUND, 'gone'],
    ['a Nest RpcException payload', { code: 3, message: 'bad field' }, Status.INVALID_ARGUMENT, 'bad field'],
    ['a payload with details only', { code: 16, details: 'who?' }, Status.UNAUTHENTICATED, 'who?'],
    ['code OK', { code: 0, message: 'fine' }, Status.OK, 'fine'],
    ['a plain Error', new Error('boom'), Status.UNKNOWN, 'boom'],
    ['a Node system error (string code)', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), Status.UNKNOWN, 'reset'],
    ['an out-of-range code', { code: 17, message: 'x' }, Status.UNKNOWN, 'x'],
    ['a fractional code', { code: 2.5, message: 'y' }, Status.UNKNOWN, 'y'],
    ['a code without a message', { code: 5 }, Status.UNKNOWN, '[object Object]'],
    ['a string', 'just text', Status.UNKNOWN, 'just text'],
    ['undefined', undefined, Status.UNKNOWN, 'undefined'],
    ['a prototype-less object', Object.create(null), Status.UNKNOWN, 'Unknown error'],
  ];
  for (const [name, input, code, message] of cases) {
    it(name, () => {
      const err = toGrpcError(input);
      assert.ok(err instanceof GrpcError);
      assert.equal(err.code, code);
      assert.equal(err.message, message);
      assert.equal(err.cause, input);
      assert.ok(err.metadata instanceof Metadata);
    });
  }
});

describe('GrpcError rich status', () => {
  const packed = [packDetail('ErrorInfo', { reason: 'R', domain: 'd' }), packDetail('DebugInfo', { detail: 'x' })];

  it('a list of details is sent as a google.rpc.Status with the error\'s code and message', () => {
    const err = new GrpcError(Status.FAILED_PRECONDITION, 'not yet', { details: packed });
    assert.deepEqual(err.details, encodeRpcStatus({ code: Status.FAILED_PRECONDITION, message: 'not yet', details: packed }));
    assert.deepEqual(err.status, { code: Status.FAILED_PRECONDITION, message: 'not yet', details: packed });
    assert.deepEqual(err.detail('ErrorInfo'), { reason: 'R', domain: 'd', metadata: {} });
    assert.deepEqual(err.detail('DebugInfo'), { stackEntries: [], detail: 'x' });
    assert.equal(err.detail('Help'), undefined);
  });

  it('raw bytes are kept as they are and decoded on demand', () => {
    const raw = encodeRpcStatus({ code: 5, message: 'elsewhere', details: packed.slice(1) });
    const err = new GrpcError(Status.NOT_FOUND, 'gone', { details: raw });
    assert.equal(err.details, raw);
    assert.deepEqual(err.status, { code: 5, message: 'elsewhere', details: packed.slice(1) });
    const fromView = new GrpcError(Status.NOT_FOUND, 'gone', { details: new Uint8Array(raw) });
    assert.ok(Buffer.isBuffer(fromView.details));
    assert.deepEqual(fromView.details, raw);
  });

  it('bytes that are not a google.rpc.Status: details kept, status and detail() undefined', () => {
    const err = new GrpcError(Status.INTERNAL, 'x', { details: Buffer.from([0x1a, 0x7f]) });
    assert.deepEqual(err.details, Buffer.from([0x1a, 0x7f]));
    assert.equal(err.status, undefined);
    assert.equal(err.detail('DebugInfo'), undefined);
  });

  it('no details: no status', () => {
    assert.equal(new GrpcError(Status.INTERNAL, 'x').status, undefined);
    assert.equal(new GrpcError(Status.INTERNAL, 'x', { details: [] }).status?.details.length, 0);
  });

  it('toGrpcError lifts grpc-status-details-bin out of a status-shaped error\'s metadata', () => {
    const raw = encodeRpcStatus({ code: 3, message: 'bad', details: packed });
    const metadata = new Metadata({ 'grpc-status-details-bin': raw, 'x-a': '1' });
    const err = toGrpcError({ code: 3, details: 'bad', metadata });
    assert.equal(err.details, raw);
    assert.deepEqual(err.detail('ErrorInfo')?.reason, 'R');
  });
});
