// Statuses that tell the truth (issue 13): an exception with a huge message still reaches the caller as UNKNOWN with
// its (cut) message and DebugInfo, the connection stays usable, and the trailers stay within what peers accept.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Metadata } from '../../lib/protocol/metadata.js';
import { buildTrailers } from '../../lib/protocol/response-headers.js';
import { Status } from '../../lib/protocol/status.js';
import { decodeRpcStatus, packDetail, unpackDetail } from '../../lib/protocol/status-details.js';
import { MAX_STATUS_DETAILS_BYTES, MAX_STATUS_MESSAGE_BYTES, truncateUtf8 } from '../../lib/protocol/trailers.js';
import { grpcErrorOf } from '../../lib/server/error-registry.js';
import { callUnary, startHarness } from '../server/fixtures.js';

/** Bytes of a header block as HTTP/2 counts them (RFC 9113 6.5.2: name + value + 32 per field). */
function headerListSize(block: Readonly<Record<string, string | string[] | number>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(block)) {
    for (const one of Array.isArray(value) ? value : [value]) size += name.length + String(one).length + 32;
  }
  return size;
}

describe('truncateUtf8', () => {
  it('keeps text that fits, cuts the rest on a character boundary and says how long it was', () => {
    assert.equal(truncateUtf8('short', 100), 'short');
    const cut = truncateUtf8('é'.repeat(1000), 101);
    assert.ok(Buffer.byteLength(cut) <= 101, cut);
    assert.ok(!cut.includes('\ufffd'), 'no character cut in half');
    assert.match(cut, /^é+ \[truncated: 2000 bytes in all\]$/);
  });
});

describe('buildTrailers bounds the status', () => {
  it('cuts a long message to MAX_STATUS_MESSAGE_BYTES', () => {
    const trailers = buildTrailers(Status.INTERNAL, 'x'.repeat(100_000), undefined);
    const message = trailers['grpc-message'] as string;
    assert.ok(message.length <= MAX_STATUS_MESSAGE_BYTES);
    assert.match(message, /\[truncated: 100000 bytes in all\]$/);
  });

  it('leaves out details over MAX_STATUS_DETAILS_BYTES, also their copy in the metadata, and says so', () => {
    const huge = packDetail('DebugInfo', { detail: 'd'.repeat(MAX_STATUS_DETAILS_BYTES) });
    const error = new GrpcError(Status.FAILED_PRECONDITION, 'nope', { details: [huge] });
    error.metadata.set('grpc-status-details-bin', error.details!);
    error.metadata.set('x-kept', 'yes');
    const trailers = buildTrailers(error.code, error.message, undefined, error);
    assert.equal(trailers['grpc-status-details-bin'], undefined);
    assert.equal(trailers['x-kept'], 'yes');
    assert.match(trailers['grpc-message'] as string, /^nope \[status details of \d+ bytes left out: over 12288\]$/);
  });

  it('keeps details that fit, byte for byte', () => {
    const error = new GrpcError(Status.NOT_FOUND, 'gone', { details: [packDetail('ErrorInfo', { reason: 'R' })] });
    const trailers = buildTrailers(error.code, error.message, new Metadata(), error);
    assert.equal(trailers['grpc-status-details-bin'], error.details!.toString('base64'));
  });

  it('an unmapped exception of any size gives trailers under 24 KiB, with a DebugInfo that says it was cut', () => {
    const thrown = new Error('m'.repeat(1_000_000));
    const error = grpcErrorOf(thrown, { debugInfo: true });
    const trailers = buildTrailers(error.code, error.message, undefined, error);
    assert.ok(headerListSize(trailers) < 24 * 1024, String(headerListSize(trailers)));
    const status = decodeRpcStatus(Buffer.from(trailers['grpc-status-details-bin'] as string, 'base64'));
    const info = unpackDetail(status.details[0]!, 'DebugInfo')!;
    assert.match(info.detail, /\[truncated: 1000007 bytes in all\]$/);
    assert.ok(info.stackEntries.length > 0);
  });
});

describe('a huge exception message on the wire (grpc-js client)', () => {
  const previous = process.env['NODE_ENV'];
  after(() => {
    if (previous === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = previous;
  });

  it('the caller gets UNKNOWN with the cut message, and the next call on the same client succeeds', async () => {
    delete process.env['NODE_ENV'];
    const harness = await startHarness({
      Unary: (request: { text: string }) => {
        if (request.text === 'fail') throw new Error('y'.repeat(200_000));
        return { text: 'fine' };
      },
    });
    try {
      const failed = await callUnary(harness.client, { text: 'fail' });
      assert.equal(failed.status.code, grpc.status.UNKNOWN);
      assert.match(failed.status.details, /^Exception calling application: y+ \[truncated: 200031 bytes in all\]$/);
      const details = failed.status.metadata.get('grpc-status-details-bin')[0] as Buffer;
      assert.equal(decodeRpcStatus(details).details[0]!.typeUrl, 'type.googleapis.com/google.rpc.DebugInfo');
      const next = await callUnary(harness.client, { text: 'ok' });
      assert.deepEqual([next.status.code, next.response?.text], [grpc.status.OK, 'fine']);
    } finally {
      await harness.close();
    }
  });
});
