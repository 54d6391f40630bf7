// Node and HTTP/2 failures -> gRPC status on the client side; the only such mapping in lib/client.
// RST_STREAM codes follow PROTOCOL-HTTP2 "Errors"; messages match grpc-js's subchannel-call.ts so logs read alike.

import { constants } from 'node:http2';
import { errorMessageOf, GrpcError } from '../protocol/grpc-error.js';
import { grpcErrorFromHttpStatus } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';

/** What a stream looked like when it closed without a gRPC status. */
export interface StreamCloseInfo {
  rstCode: number | undefined;
  /** The stream's 'error' event, if any (Node emits it before 'close'). */
  error: unknown;
  /** The session died under the stream (socket closed, GOAWAY with error, destroy). */
  sessionDestroyed: boolean;
  /** The response :status, when headers arrived. */
  httpStatus: number | undefined;
}

// Socket-level codes that mean "the peer is not (or no longer) reachable": UNAVAILABLE, so callers may retry.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL', 'ERR_HTTP2_ERROR', 'ERR_HTTP2_PING_CANCEL', 'ERR_SOCKET_CLOSED',
]);

// Certificate verification failures (OpenSSL's X509 names, as node:tls reports them) and Node's own TLS checks.
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE', 'CERT_REVOKED', 'INVALID_CA', 'HOSTNAME_MISMATCH',
]);

/** A failed TLS handshake or TLS record layer: the server cannot be reached securely, so UNAVAILABLE, as grpc-js. */
function isTlsCode(code: string): boolean {
  return CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

/** OpenSSL's ERR_SSL_* errors carry a one-line `reason` beside a message that dumps the whole error queue. */
function tlsReason(err: unknown, code: string): string {
  const reason = (err as { reason?: unknown }).reason;
  return code.startsWith('ERR_SSL_') && typeof reason === 'string' && reason !== '' ? reason : errorMessageOf(err);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The underlying socket error of a pending stream Node cancelled (ERR_HTTP2_STREAM_CANCEL carries it as cause). */
function rootCause(err: unknown): unknown {
  if (errorCode(err) === 'ERR_HTTP2_STREAM_CANCEL' && err instanceof Error && err.cause !== undefined) return err.cause;
  return err;
}

/** True for errors thrown by session.request() on a session that is closing: open a new session and retry once. */
export function isStaleSessionError(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION';
}

/** A Node error raised while opening or running a call -> GrpcError (connection problems are UNAVAILABLE). */
export function grpcErrorFromNodeError(err: unknown): GrpcError {
  if (err instanceof GrpcError) return err;
  const cause = rootCause(err);
  const code = errorCode(cause);
  if (code !== undefined && isTlsCode(code)) {
    // The OpenSSL text alone ('unable to verify the first certificate') does not say TLS was the problem.
    return new GrpcError(Status.UNAVAILABLE, `No connection established. TLS failed: ${tlsReason(cause, code)} (${code})`, { cause: err });
  }
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    // grpc-js's pick-first reports a failed connect as 'No connection established. Last error: ...'.
    const pending = errorCode(err) === 'ERR_HTTP2_STREAM_CANCEL' || code === 'ECONNREFUSED';
    const message = pending ? `No connection established. Last error: ${errorMessageOf(cause)}` : errorMessageOf(cause);
    return new GrpcError(Status.UNAVAILABLE, message, { cause: err });
  }
  return new GrpcError(Status.INTERNAL, errorMessageOf(cause), { cause: err });
}

/**
 * Why the last connection attempt failed, as calls made before the next attempt report it: UNAVAILABLE with
 * grpc-js's pick-first wording 'No connection established. Last error: ...' (TLS failures keep their own wording).
 */
export function grpcErrorFromConnectFailure(err: unknown): GrpcError {
  const cause = rootCause(err);
  const code = errorCode(cause);
  if (code !== undefined && isTlsCode(code)) return grpcErrorFromNodeError(err);
  // A session that closes before the server's SETTINGS (a TLS or non-HTTP/2 server, say) reports no error.
  const reason = err === undefined ? 'Connection closed before the server sent its HTTP/2 settings' : errorMessageOf(cause);
  return new GrpcError(Status.UNAVAILABLE, `No connection established. Last error: ${reason}`, err === undefined ? undefined : { cause: err });
}

/** Status of a stream that closed before trailers with grpc-status arrived (grpc-js Http2SubchannelCall 'close'). */
export function grpcErrorFromStreamClose(info: StreamCloseInfo): GrpcError {
  const { rstCode, error } = info;
  if (error !== undefined && errorCode(error) !== 'ERR_HTTP2_STREAM_ERROR') {
    const mapped = grpcErrorFromNodeError(error);
    if (mapped.code === Status.UNAVAILABLE) return mapped;
  }
  // Node closes the streams of a destroyed session with NO_ERROR or CANCEL: the connection went, not the call.
  if (info.sessionDestroyed && (rstCode === undefined || rstCode === constants.NGHTTP2_NO_ERROR
    || rstCode === constants.NGHTTP2_CANCEL)) {
    return new GrpcError(Status.UNAVAILABLE, 'Connection dropped');
  }
  switch (rstCode) {
    case undefined:
    case constants.NGHTTP2_NO_ERROR:
      if (info.httpStatus !== undefined && info.httpStatus !== 200) return grpcErrorFromHttpStatus(info.httpStatus);
      return new GrpcError(Status.INTERNAL,
        `Received RST_STREAM with code ${rstCode ?? 0} (Call ended without gRPC status)`);
    case constants.NGHTTP2_REFUSED_STREAM:
      return new GrpcError(Status.UNAVAILABLE, 'Stream refused by server');
    case constants.NGHTTP2_CANCEL:
      return new GrpcError(Status.CANCELLED, 'Call cancelled');
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return new GrpcError(Status.RESOURCE_EXHAUSTED, 'Bandwidth exhausted or memory limit exceeded');
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return new GrpcError(Status.PERMISSION_DENIED, 'Protocol not secure enough');
    case constants.NGHTTP2_INTERNAL_ERROR:
      if (error !== undefined && errorCode(error) !== 'ERR_HTTP2_STREAM_ERROR') {
        return new GrpcError(Status.INTERNAL,
          `Received RST_STREAM with code ${rstCode} triggered by internal client error: ${errorMessageOf(error)}`);
      }
      return new GrpcError(Status.INTERNAL, `Received RST_STREAM with code ${rstCode} (Internal server error)`);
    default:
      return new GrpcError(Status.INTERNAL, `Received RST_STREAM with code ${rstCode}`);
  }
}
