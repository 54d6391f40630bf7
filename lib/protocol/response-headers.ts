// A call's response headers and trailers (PROTOCOL-HTTP2 "Responses": Response-Headers, Trailers, Trailers-Only).
// Client side: checked and read here; grpc-js's codes and wording for what does not fit. Server side: one builder
// for the leading headers, the trailers with the status, and trailers-only answers.

import { ACCEPT_ENCODING } from './compression.js';
import { GrpcError } from './grpc-error.js';
import {
  CONTENT_TYPE_HEADER, GRPC_ACCEPT_ENCODING_HEADER, GRPC_CONTENT_TYPE, GRPC_ENCODING_HEADER, GRPC_STATUS_DETAILS_HEADER, GRPC_STATUS_HEADER,
  isGrpcContentType,
} from './headers.js';
import { Metadata, metadataFromHeaders, metadataToHeaders } from './metadata.js';
import { Status, statusFromHttp } from './status.js';
import { MAX_STATUS_DETAILS_BYTES, MAX_STATUS_MESSAGE_BYTES, statusFromTrailers, statusToTrailers, truncateUtf8 } from './trailers.js';
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

// ---------------------------------------------------------------------------------------------------------------
// Server side: building response headers, trailers and trailers-only answers
// ---------------------------------------------------------------------------------------------------------------

/** A header block a server hands node:http2 (which copies it, so the shared frozen ones below are safe to pass). */
export type OutgoingHeaders = Readonly<Record<string, string | string[] | number>>;

/** HTTP 415 for a request that is not gRPC: no gRPC headers, as non-gRPC clients must not read it as success. */
export const UNSUPPORTED_MEDIA_TYPE: OutgoingHeaders = Object.freeze({ ':status': 415 });

// Most calls send exactly these headers and trailers: shared, so the common case allocates none.
const RESPONSE_HEADERS: OutgoingHeaders = Object.freeze({
  ':status': 200,
  [CONTENT_TYPE_HEADER]: GRPC_CONTENT_TYPE,
  [GRPC_ACCEPT_ENCODING_HEADER]: ACCEPT_ENCODING,
});
const OK_TRAILERS: OutgoingHeaders = Object.freeze({ [GRPC_STATUS_HEADER]: String(Status.OK) });
const EMPTY_METADATA = new Metadata();

/** The leading headers: grpc-encoding when responses are compressed (`encoding`), then the handler's metadata. */
export function buildResponseHeaders(encoding: string | undefined, metadata: Metadata | undefined): OutgoingHeaders {
  if (encoding === undefined && metadata === undefined) return RESPONSE_HEADERS;
  const own: Record<string, string | string[]> = {};
  if (encoding !== undefined) own[GRPC_ENCODING_HEADER] = encoding;
  if (metadata !== undefined) metadataToHeaders(metadata, own);
  return { ...RESPONSE_HEADERS, ...own };
}

/**
 * The trailers of a final status `code`/`message`: `metadata` (the handler's trailing metadata), then the
 * metadata and rich details of `error` when the status comes from one. A message over MAX_STATUS_MESSAGE_BYTES is
 * cut, and details over MAX_STATUS_DETAILS_BYTES left out, the message saying so, so that the status still
 * reaches the caller (see MAX_STATUS_MESSAGE_BYTES). Trailing metadata is sent as it is.
 */
export function buildTrailers(code: Status, message: string, metadata: Metadata | undefined, error?: GrpcError): OutgoingHeaders {
  if (error !== undefined && error.metadata.size > 0) {
    metadata = metadata === undefined ? error.metadata : mergeMetadata(metadata, error.metadata);
  }
  if (code === Status.OK && message === '' && metadata === undefined && error === undefined) return OK_TRAILERS;
  let details = error?.details;
  if (details !== undefined && details.length > MAX_STATUS_DETAILS_BYTES) {
    message = `${truncateUtf8(message, MAX_STATUS_MESSAGE_BYTES - 100)} [status details of ${details.length} bytes left out: over ${MAX_STATUS_DETAILS_BYTES}]`;
    details = undefined;
    // grpc-js-shaped errors carry the same bytes in their metadata too.
    if (metadata?.get(GRPC_STATUS_DETAILS_HEADER).length) {
      metadata = metadata.clone();
      metadata.remove(GRPC_STATUS_DETAILS_HEADER);
    }
  } else {
    message = truncateUtf8(message, MAX_STATUS_MESSAGE_BYTES);
  }
  const trailers: Record<string, string | string[]> = {};
  statusToTrailers({ code, message, metadata: metadata ?? EMPTY_METADATA, details }, trailers);
  return trailers;
}

/**
 * Trailers-Only: the status in the one HEADERS frame of an answer that has no messages. With
 * `advertiseEncodings` it names the encodings we read too, as the spec asks of an UNIMPLEMENTED encoding.
 */
export function buildTrailersOnly(trailers: OutgoingHeaders, advertiseEncodings: boolean): OutgoingHeaders {
  const headers: Record<string, string | string[] | number> = { ':status': 200, [CONTENT_TYPE_HEADER]: GRPC_CONTENT_TYPE, ...trailers };
  if (advertiseEncodings) headers[GRPC_ACCEPT_ENCODING_HEADER] = ACCEPT_ENCODING;
  return headers;
}

function mergeMetadata(first: Metadata, second: Metadata): Metadata {
  const merged = first.clone();
  for (const [key, value] of second.entries()) merged.add(key, value);
  return merged;
}
