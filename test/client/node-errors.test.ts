// node-errors: Node/HTTP/2 failures -> status, table-driven (PROTOCOL-HTTP2 "Errors", grpc-js wording).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { grpcErrorFromNodeError, grpcErrorFromStreamClose, isStaleSessionError } from '../../lib/client/node-errors.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';

function nodeError(code: string, message = code, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

describe('grpcErrorFromStreamClose', () => {
  const base = { error: undefined, sessionDestroyed: false, httpStatus: 200 };
  const cases: [string, Parameters<typeof grpcErrorFromStreamClose>[0], Status][] = [
    ['NO_ERROR, no status', { ...base, rstCode: constants.NGHTTP2_NO_ERROR }, Status.INTERNAL],
    ['NO_ERROR after HTTP 429', { ...base, rstCode: 0, httpStatus: 429 }, Status.UNAVAILABLE],
    ['REFUSED_STREAM', { ...base, rstCode: constants.NGHTTP2_REFUSED_STREAM }, Status.UNAVAILABLE],
    ['CANCEL from the peer', { ...base, rstCode: constants.NGHTTP2_CANCEL }, Status.CANCELLED],
    ['CANCEL of a dropped connection', { ...base, rstCode: constants.NGHTTP2_CANCEL, sessionDestroyed: true }, Status.UNAVAILABLE],
    ['ENHANCE_YOUR_CALM', { ...base, rstCode: constants.NGHTTP2_ENHANCE_YOUR_CALM }, Status.RESOURCE_EXHAUSTED],
    ['INADEQUATE_SECURITY', { ...base, rstCode: constants.NGHTTP2_INADEQUATE_SECURITY }, Status.PERMISSION_DENIED],
    ['INTERNAL_ERROR', { ...base, rstCode: constants.NGHTTP2_INTERNAL_ERROR }, Status.INTERNAL],
    ['FLOW_CONTROL_ERROR', { ...base, rstCode: constants.NGHTTP2_FLOW_CONTROL_ERROR }, Status.INTERNAL],
    ['ECONNRESET under INTERNAL_ERROR', { ...base, rstCode: 2, error: nodeError('ECONNRESET') }, Status.UNAVAILABLE],
    ['pending stream of a refused connection', {
      ...base, rstCode: 2, error: nodeError('ERR_HTTP2_STREAM_CANCEL', 'canceled', nodeError('ECONNREFUSED', 'connect ECONNREFUSED')),
    }, Status.UNAVAILABLE],
  ];
  for (const [name, info, code] of cases) {
    it(`${name} -> ${Status[code]}`, () => assert.equal(Status[grpcErrorFromStreamClose(info).code], Status[code]));
  }

  it('keeps grpc-js wording', () => {
    assert.equal(grpcErrorFromStreamClose({ ...base, rstCode: 0 }).message, 'Received RST_STREAM with code 0 (Call ended without gRPC status)');
    assert.equal(grpcErrorFromStreamClose({ ...base, rstCode: 7 }).message, 'Stream refused by server');
  });
});

describe('grpcErrorFromNodeError', () => {
  it('connection failures are UNAVAILABLE, naming the socket error', () => {
    const err = grpcErrorFromNodeError(nodeError('ERR_HTTP2_STREAM_CANCEL', 'canceled', nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')));
    assert.equal(err.code, Status.UNAVAILABLE);
    assert.equal(err.message, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(grpcErrorFromNodeError(nodeError('ERR_HTTP2_GOAWAY_SESSION')).code, Status.UNAVAILABLE);
  });

  const tlsCases: [string, Error, string][] = [
    ['an untrusted certificate', nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
      'No connection established. TLS failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
    ['a host the certificate does not name', nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      "No connection established. TLS failed: Hostname/IP does not match certificate's altnames (ERR_TLS_CERT_ALTNAME_INVALID)"],
    ['an OpenSSL alert, by its one-line reason', Object.assign(nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'C0:error:0A00045C:SSL routines:...'),
      { reason: 'tlsv13 alert certificate required' }),
    'No connection established. TLS failed: tlsv13 alert certificate required (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)'],
  ];
  for (const [name, tlsError, message] of tlsCases) {
    it(`TLS failures are UNAVAILABLE, saying TLS failed: ${name}`, () => {
      const err = grpcErrorFromNodeError(nodeError('ERR_HTTP2_STREAM_CANCEL', 'canceled', tlsError));
      assert.equal(err.code, Status.UNAVAILABLE);
      assert.equal(err.message, message);
    });
  }

  it('other errors are INTERNAL; GrpcErrors pass through', () => {
    assert.equal(grpcErrorFromNodeError(new Error('weird')).code, Status.INTERNAL);
    const own = new GrpcError(Status.UNAVAILABLE, 'closed');
    assert.equal(grpcErrorFromNodeError(own), own);
  });

  it('isStaleSessionError spots request() on a closing session', () => {
    assert.equal(isStaleSessionError(nodeError('ERR_HTTP2_GOAWAY_SESSION')), true);
    assert.equal(isStaleSessionError(nodeError('ERR_HTTP2_INVALID_SESSION')), true);
    assert.equal(isStaleSessionError(nodeError('ECONNRESET')), false);
  });
});
