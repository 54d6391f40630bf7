// Tests for the client side of lib/protocol/request-headers.ts: the headers a call sends (PROTOCOL-HTTP2 "Requests").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '../../lib/protocol/metadata.js';
import { buildRequestHeaderTemplate, buildRequestHeaders } from '../../lib/protocol/request-headers.js';

const template = buildRequestHeaderTemplate({ scheme: 'http', authority: '127.0.0.1:50051', path: '/pkg.Svc/Do', userAgent: 'ours/1.0' });

describe('buildRequestHeaderTemplate', () => {
  it('holds the call definition and the fixed gRPC headers, frozen', () => {
    assert.deepEqual({ ...template }, {
      ':method': 'POST',
      ':scheme': 'http',
      ':path': '/pkg.Svc/Do',
      ':authority': '127.0.0.1:50051',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'ours/1.0',
      'grpc-accept-encoding': 'identity,deflate,gzip',
    });
    assert.ok(Object.isFrozen(template));
  });
});

describe('buildRequestHeaders', () => {
  it('a call that adds nothing sends the template itself', () => {
    assert.equal(buildRequestHeaders(template, Infinity, undefined, undefined), template);
  });

  const timeouts: [number, string][] = [[1500, '1500000u'], [0, '0n'], [-20, '0n'], [2 ** 31, '2147484S']];
  for (const [ms, expected] of timeouts) {
    it(`time left ${ms} ms -> grpc-timeout ${expected}`, () => {
      const headers = buildRequestHeaders(template, ms, undefined, undefined);
      assert.equal(headers['grpc-timeout'], expected);
      assert.equal(headers[':path'], '/pkg.Svc/Do');
    });
  }

  it('no deadline, no grpc-timeout; identity, no grpc-encoding', () => {
    const headers = buildRequestHeaders(template, Infinity, undefined, new Metadata({ 'x-a': '1' }));
    assert.equal(headers['grpc-timeout'], undefined);
    assert.equal(headers['grpc-encoding'], undefined);
  });

  it('grpc-encoding names the request compression', () => {
    assert.equal(buildRequestHeaders(template, Infinity, 'gzip', undefined)['grpc-encoding'], 'gzip');
  });

  it('metadata: text as is, -bin as base64, repeated keys as a list; the template is left alone', () => {
    const metadata = new Metadata({ 'x-a': ['1', '2'], 'x-b-bin': Buffer.from([1, 2, 3]) });
    const headers = buildRequestHeaders(template, Infinity, undefined, metadata);
    assert.deepEqual(headers['x-a'], ['1', '2']);
    assert.equal(headers['x-b-bin'], 'AQID');
    assert.equal(template['x-a'], undefined);
  });

  it("a caller's user-agent goes first, ours after, as one value", () => {
    const headers = buildRequestHeaders(template, Infinity, undefined, new Metadata({ 'user-agent': 'app/2' }));
    assert.equal(headers['user-agent'], 'app/2 ours/1.0');
  });

  it('a reserved metadata key throws TypeError', () => {
    assert.throws(() => buildRequestHeaders(template, Infinity, undefined, new Metadata({ 'grpc-timeout': '1S' })), TypeError);
  });
});
