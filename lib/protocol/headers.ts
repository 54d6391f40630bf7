// Header names and the content-type check shared by server and client.
// Follows PROTOCOL-HTTP2 "Requests" / "Responses" (Content-Type, TE, grpc-* headers).

/** The content-type both sides send; receivers also accept '+proto' and parameters (isGrpcContentType). */
export const GRPC_CONTENT_TYPE = 'application/grpc';

/** Request and response header; a request without a gRPC content-type is refused with HTTP 415. */
export const CONTENT_TYPE_HEADER = 'content-type';
/** Request header; must be 'trailers', which tells proxies the client understands trailers. */
export const TE_HEADER = 'te';
export const TE_TRAILERS = 'trailers';
/** Request header; kept in the metadata a handler sees, as grpc-js keeps it. */
export const USER_AGENT_HEADER = 'user-agent';
/** Request header: the relative deadline, see timeout.ts. */
export const GRPC_TIMEOUT_HEADER = 'grpc-timeout';
/** Request and response header: the compression of messages whose flag byte is 1. */
export const GRPC_ENCODING_HEADER = 'grpc-encoding';
/** Request and response header: the encodings the sender can read, see compression.ts. */
export const GRPC_ACCEPT_ENCODING_HEADER = 'grpc-accept-encoding';
/** Trailer (or trailers-only header): the status code as decimal ASCII. */
export const GRPC_STATUS_HEADER = 'grpc-status';
/** Trailer: the percent-encoded status message, see trailers.ts. */
export const GRPC_MESSAGE_HEADER = 'grpc-message';
/** Trailer: base64 of an encoded google.rpc.Status, the rich error model. */
export const GRPC_STATUS_DETAILS_HEADER = 'grpc-status-details-bin';

/**
 * True for 'application/grpc' and 'application/grpc+proto', case-insensitive, with optional ';params'.
 * Other subtypes ('+json') are refused: this library only speaks protobuf.
 */
export function isGrpcContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semicolon = value.indexOf(';');
  const mediaType = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  return mediaType === GRPC_CONTENT_TYPE || mediaType === 'application/grpc+proto';
}
