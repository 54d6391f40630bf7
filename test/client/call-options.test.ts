// call-options: deadline resolution, metadata and compression normalisation.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCallOptions, resolveCodec } from '../../lib/client/call-options.js';
import type { EncodingName } from '../../lib/protocol/compression.js';

describe('resolveCallOptions', () => {
  const now = 1_000_000;

  it('deadline: none, timeout, absolute, and the earlier of both', () => {
    assert.equal(resolveCallOptions(undefined, {}, now).deadline, Infinity);
    assert.equal(resolveCallOptions({ timeout: 500 }, {}, now).deadline, now + 500);
    assert.equal(resolveCallOptions({ deadline: new Date(now + 20) }, {}, now).deadline, now + 20);
    assert.equal(resolveCallOptions({ timeout: 10, deadline: now + 20 }, {}, now).deadline, now + 10);
    assert.equal(resolveCallOptions({ timeout: 50, deadline: now + 20 }, {}, now).deadline, now + 20);
    assert.throws(() => resolveCallOptions({ timeout: Number.NaN }, {}, now), TypeError);
  });

  it('metadata: empty becomes undefined, entries are validated', () => {
    assert.equal(resolveCallOptions({ metadata: {} }, {}, now).metadata, undefined);
    assert.deepEqual(resolveCallOptions({ metadata: { 'X-A': 'b' } }, {}, now).metadata?.get('x-a'), ['b']);
    assert.throws(() => resolveCallOptions({ metadata: { 'x-bin': 'text' } }, {}, now), TypeError);
  });

  it('compression: the call overrides the client default; identity means no codec', () => {
    assert.equal(resolveCallOptions(undefined, { compression: 'gzip' }, now).codec?.name, 'gzip');
    assert.equal(resolveCallOptions({ compression: 'deflate' }, { compression: 'gzip' }, now).codec?.name, 'deflate');
    assert.equal(resolveCallOptions({ compression: 'identity' }, { compression: 'gzip' }, now).codec, undefined);
    assert.throws(() => resolveCodec('snappy' as EncodingName), TypeError);
  });
});

describe('GrpcClient options', () => {
  it('refuses an address that is not host:port, and an unknown default compression', async () => {
    const { GrpcClient } = await import('../../lib/client/grpc-client.js');
    assert.throws(() => new GrpcClient('http://localhost:50051'), TypeError);
    assert.throws(() => new GrpcClient('localhost'), TypeError);
    assert.throws(() => new GrpcClient('localhost:1', { defaultCompression: 'br' as EncodingName }), TypeError);
    await new GrpcClient('[::1]:50051').close();
    await new GrpcClient('localhost:50051').close();
  });
});
