// Tests for the client side of lib/protocol/response-headers.ts: response headers checked, status read from trailers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { grpcErrorFromHttpStatus, parseResponseHeaders, parseResponseTrailers } from '../../lib/protocol/response-headers.js';
import type { ResponseHeaders } from '../../lib/protocol/response-headers.js';
import { Status } from '../../lib/protocol/status.js';

function errorOf(value: unknown): GrpcError {
  assert.ok(value instanceof GrpcError, `expected a GrpcError, got ${JSON.stringify(value)}`);
  return value;
}

describe('parseResponseHeaders', () => {
  const accepted: [string, ResponseHeaders, string][] = [
    ['plain gRPC', { ':status': 200, 'content-type': 'application/grpc' }, 'identity'],
    ['+proto with parameters', { ':status': 200, 'content-type': 'application/grpc+proto; x=y' }, 'identity'],
    ['gzip messages', { ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' }, 'gzip'],
    ['an unknown encoding is named, not refused here', { ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': 'snappy' }, 'snappy'],
  ];
  for (const [name, headers, encoding] of accepted) {
    it(`${name} -> ${encoding}`, () => assert.equal(parseResponseHeaders(headers), encoding));
  }

  const refused: [string, ResponseHeaders, Status, string][] = [
    ['HTTP 503', { ':status': 503, 'content-type': 'application/grpc' }, Status.UNAVAILABLE, 'Received HTTP status code 503'],
    ['HTTP 404', { ':status': 404 }, Status.UNIMPLEMENTED, 'Received HTTP status code 404'],
    ['no :status', { 'content-type': 'application/grpc' }, Status.UNKNOWN, 'Received HTTP status code 0'],
    ['text/html', { ':status': 200, 'content-type': 'text/html' }, Status.UNKNOWN, 'Received unexpected content-type "text/html"'],
    ['no content-type', { ':status': 200 }, Status.UNKNOWN, 'Received unexpected content-type ""'],
  ];
  for (const [name, headers, code, message] of refused) {
    it(`${name} -> ${Status[code]}`, () => {
      const err = errorOf(parseResponseHeaders(headers));
      assert.equal(Status[err.code], Status[code]);
      assert.equal(err.message, message);
    });
  }
});

describe('parseResponseTrailers', () => {
  it('OK with metadata, read eagerly', () => {
    const status = parseResponseTrailers({ 'grpc-status': '0', 'x-t': 'v' }, 200, true);
    assert.ok(!(status instanceof GrpcError));
    assert.equal(status.code, Status.OK);
    assert.equal(status.message, '');
    assert.deepEqual(status.metadata.get('x-t'), ['v']);
  });

  it('OK read lazily gives the same code, message and metadata', () => {
    const status = parseResponseTrailers({ 'grpc-status': '0', 'x-t': 'v' }, 200, false);
    assert.ok(!(status instanceof GrpcError));
    assert.equal(status.code, Status.OK);
    assert.equal(status.message, '');
    assert.deepEqual(status.metadata.get('x-t'), ['v']);
  });

  it('an error status with a percent-encoded message and details', () => {
    const status = parseResponseTrailers({ 'grpc-status': '5', 'grpc-message': 'gone%20away', 'grpc-status-details-bin': 'AQID' }, 200, false);
    assert.ok(!(status instanceof GrpcError));
    assert.equal(status.code, Status.NOT_FOUND);
    assert.equal(status.message, 'gone away');
    assert.deepEqual(status.details, Buffer.from([1, 2, 3]));
  });

  it('trailers-only: grpc-status wins over the HTTP status', () => {
    const status = parseResponseTrailers({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14' }, 200, true);
    assert.ok(!(status instanceof GrpcError));
    assert.equal(status.code, Status.UNAVAILABLE);
  });

  it('no grpc-status after a non-200 response: the HTTP status decides', () => {
    const err = errorOf(parseResponseTrailers({ ':status': 503 }, 503, false));
    assert.equal(err.code, Status.UNAVAILABLE);
    assert.equal(err.message, 'Received HTTP status code 503');
  });

  for (const httpStatus of [200, undefined]) {
    it(`no grpc-status, HTTP status ${String(httpStatus)}: UNKNOWN with the trailers as metadata`, () => {
      const err = errorOf(parseResponseTrailers({ 'x-other': '1' }, httpStatus, false));
      assert.equal(err.code, Status.UNKNOWN);
      assert.equal(err.message, 'No status information received');
      assert.deepEqual(err.metadata.get('x-other'), ['1']);
    });
  }
});

describe('grpcErrorFromHttpStatus', () => {
  const cases: [number, Status][] = [[400, Status.INTERNAL], [401, Status.UNAUTHENTICATED], [403, Status.PERMISSION_DENIED],
    [404, Status.UNIMPLEMENTED], [429, Status.UNAVAILABLE], [502, Status.UNAVAILABLE], [503, Status.UNAVAILABLE],
    [504, Status.UNAVAILABLE], [500, Status.UNKNOWN]];
  for (const [http, code] of cases) {
    it(`${http} -> ${Status[code]}`, () => {
      const err = grpcErrorFromHttpStatus(http);
      assert.equal(Status[err.code], Status[code]);
      assert.equal(err.message, `Received HTTP status code ${http}`);
    });
  }
});
