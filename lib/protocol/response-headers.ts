// A call's response headers and trailers (PROTOCOL-HTTP2 "Responses": Response-Headers, Trailers, Trailers-Only).
// Client side: checked and read here; grpc-js's codes and wording for what does not fit.

import { GrpcError } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, GRPC_ENCODING_HEADER, GRPC_STATUS_HEADER, isGrpcContentType } from './headers.js';
import { metadataFromHeaders } from './metadata.js';
import type { Metadata } from './metadata.js';
import { Status, statusFromHttp } from './status.js';
import { statusFromTrailers } from './trailers.js';
import type { StatusInfo } from './trailers.js';

// ---------------------------------------------------------------------------------------------------------------
// Client side: checking response headers, reading the status from trailers
// ---------------------------------------------------------------------------------------------------------------

/** Incoming response headers or trailers as node:http2 gives them (':status' is a number). */
export type ResponseHeaders = Readonly<Record<string, string | string[] | number | undefined>>;

/** A non-200 response: PROTOCOL-HTTP2's HTTP-to-gRPC table, grpc-js's wording. */
export function grpcErrorFromHttpStatus(httpStatus: number): GrpcError {
  return new GrpcError(statusFromHttp(httpStatus), `Received HTTP status code ${httpStatus}`);
}

/**
 * Checks the headers that open a response with messages (not trailers-only) and returns the encoding of its
 * messages ('identity' when grpc-encoding is absent), or the error that ends the call.
 */
export function parseResponseHeaders(headers: ResponseHeaders): string | GrpcError {
  const httpStatus = headers[':status'];
  if (httpStatus !== 200) return grpcErrorFromHttpStatus(typeof httpStatus === 'number' ? httpStatus : 0);
  const contentType = headers[CONTENT_TYPE_HEADER];
  if (!isGrpcContentType(typeof contentType === 'string' ? contentType : undefined)) {
    // grpc-go's wording; 200 with a foreign body is UNKNOWN in the HTTP-to-gRPC table.
    return new GrpcError(Status.UNKNOWN, `Received unexpected content-type "${typeof contentType === 'string' ? contentType : ''}"`);
  }
  const encoding = headers[GRPC_ENCODING_HEADER];
  return typeof encoding === 'string' ? encoding : 'identity';
}

/** An OK status whose trailing metadata is decoded only if read (a unary call that got no message reports it). */
class LazyOkStatus implements StatusInfo {
  readonly code = Status.OK;
  readonly message = '';
  private decoded: Metadata | undefined;

  constructor(private readonly trailers: ResponseHeaders) {}

  get metadata(): Metadata {
    return (this.decoded ??= metadataFromHeaders(this.trailers as Readonly<Record<string, string | string[] | undefined>>));
  }
}

/**
 * The call's status from its trailers (or a trailers-only response). Without grpc-status: the HTTP status's
 * error when it was not 200, else UNKNOWN 'No status information received'. `httpStatus` is that of the response
 * headers, undefined when none came. `eagerMetadata: false` lets an OK status decode its metadata only when read:
 * a plain OK nobody inspects is the common case, and its metadata is then never decoded.
 */
export function parseResponseTrailers(
  trailers: ResponseHeaders,
  httpStatus: number | undefined,
  eagerMetadata: boolean,
): StatusInfo | GrpcError {
  if (!eagerMetadata && trailers[GRPC_STATUS_HEADER] === '0') return new LazyOkStatus(trailers);
  const fields = trailers as Readonly<Record<string, string | string[] | undefined>>;
  const status = statusFromTrailers(fields);
  if (status !== undefined) return status;
  if (httpStatus !== undefined && httpStatus !== 200) return grpcErrorFromHttpStatus(httpStatus);
  return new GrpcError(Status.UNKNOWN, 'No status information received', { metadata: metadataFromHeaders(fields) });
}
