// Tests for the server side of lib/protocol/response-headers.ts: the header blocks a server answers with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Metadata } from '../../lib/protocol/metadata.js';
import {
  buildResponseHeaders, buildTrailers, buildTrailersOnly, UNSUPPORTED_MEDIA_TYPE,
} from '../../lib/protocol/response-headers.js';
import { Status } from '../../lib/protocol/status.js';

const BASE = { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity,deflate,gzip' };

describe('buildResponseHeaders', () => {
  it('is one shared, frozen block when nothing varies', () => {
    const headers = buildResponseHeaders(undefined, undefined);
    assert.deepEqual({ ...headers }, BASE);
    assert.equal(buildResponseHeaders(undefined, undefined), headers);
    assert.ok(Object.isFrozen(headers));
  });

  it('names the response encoding, then carries the handler metadata (-bin in base64)', () => {
    const metadata = new Metadata();
    metadata.set('x-one', '1');
    metadata.set('x-raw-bin', Buffer.from([1, 2]));
    assert.deepEqual({ ...buildResponseHeaders('gzip', metadata) },
      { ...BASE, 'grpc-encoding': 'gzip', 'x-one': '1', 'x-raw-bin': 'AQI=' });
  });
});

describe('buildTrailers', () => {
  it('OK without message or metadata is the shared grpc-status 0 block', () => {
    const trailers = buildTrailers(Status.OK, '', undefined);
    assert.deepEqual({ ...trailers }, { 'grpc-status': '0' });
    assert.equal(buildTrailers(Status.OK, '', undefined), trailers);
  });

  it('percent-encodes the message and adds the trailing metadata', () => {
    const trailing = new Metadata();
    trailing.set('x-t', 'a');
    assert.deepEqual({ ...buildTrailers(Status.NOT_FOUND, 'não', trailing) },
      { 'grpc-status': '5', 'grpc-message': 'n%C3%A3o', 'x-t': 'a' });
  });

  it("adds an error's metadata after the trailing metadata, and its details", () => {
    const trailing = new Metadata();
    trailing.set('x-k', 'handler');
    const errorMetadata = new Metadata();
    errorMetadata.set('x-k', 'error');
    const error = new GrpcError(Status.INTERNAL, 'boom', { metadata: errorMetadata, details: Buffer.from([8, 13]) });
    assert.deepEqual({ ...buildTrailers(error.code, error.message, trailing, error) }, {
      'grpc-status': '13', 'grpc-message': 'boom', 'grpc-status-details-bin': 'CA0=', 'x-k': ['handler', 'error'],
    });
    assert.deepEqual(trailing.get('x-k'), ['handler'], 'the handler metadata is not changed');
  });
});

describe('buildTrailersOnly', () => {
  const trailers = buildTrailers(Status.UNIMPLEMENTED, 'no', undefined);
  it('puts the status in the one HEADERS frame', () => {
    assert.deepEqual({ ...buildTrailersOnly(trailers, false) },
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'no' });
  });
  it('names the encodings we read when asked (an unsupported grpc-encoding)', () => {
    assert.equal(buildTrailersOnly(trailers, true)['grpc-accept-encoding'], 'identity,deflate,gzip');
  });
  it('HTTP 415 for a request that is not gRPC carries no gRPC status', () => {
    assert.deepEqual({ ...UNSUPPORTED_MEDIA_TYPE }, { ':status': 415 });
  });
});
