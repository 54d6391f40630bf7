// A call's response headers and trailers (PROTOCOL-HTTP2 "Responses"). Server side: the leading headers, the
// trailers with the status, and Trailers-Only (one HEADERS frame with END_STREAM): one builder for every answer.
import { ACCEPT_ENCODING } from './compression.js';
import type { GrpcError } from './grpc-error.js';
import { CONTENT_TYPE_HEADER, GRPC_ACCEPT_ENCODING_HEADER, GRPC_CONTENT_TYPE, GRPC_ENCODING_HEADER, GRPC_STATUS_HEADER } from './headers.js';
import { Metadata, metadataToHeaders } from './metadata.js';
import { Status } from './status.js';
import { statusToTrailers } from './trailers.js';

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
 * metadata and rich details of `error` when the status comes from one.
 */
export function buildTrailers(code: Status, message: string, metadata: Metadata | undefined, error?: GrpcError): OutgoingHeaders {
  if (error !== undefined && error.metadata.size > 0) {
    metadata = metadata === undefined ? error.metadata : mergeMetadata(metadata, error.metadata);
  }
  if (code === Status.OK && message === '' && metadata === undefined && error === undefined) return OK_TRAILERS;
  const trailers: Record<string, string | string[]> = {};
  statusToTrailers({ code, message, metadata: metadata ?? EMPTY_METADATA, details: error?.details }, trailers);
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
