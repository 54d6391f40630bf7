// A call's request headers (PROTOCOL-HTTP2 "Requests"). Server side: content-type, grpc-encoding,
// grpc-accept-encoding and grpc-timeout read into values, or the status that refuses the call; no stream here.
import { chooseResponseEncoding, findCodec, parseEncodingList } from './compression.js';
import type { Codec, EncodingName } from './compression.js';
import { GrpcError } from './grpc-error.js';
import {
  CONTENT_TYPE_HEADER, GRPC_ACCEPT_ENCODING_HEADER, GRPC_ENCODING_HEADER, GRPC_TIMEOUT_HEADER, isGrpcContentType,
} from './headers.js';
import { Status } from './status.js';
import { parseTimeout } from './timeout.js';

// ---------------------------------------------------------------------------------------------------------------
// Server side: reading a call's request headers
// ---------------------------------------------------------------------------------------------------------------

/** Request headers as node:http2 hands them to a server. */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Whether a request is gRPC at all (its content-type): the HTTP-level check, answered with HTTP 415 before the
 * path is looked at, so non-gRPC clients do not read a gRPC status as success.
 */
export function isGrpcRequest(headers: IncomingHeaders): boolean {
  return isGrpcContentType(headerString(headers[CONTENT_TYPE_HEADER]));
}

/** What a server reads from a gRPC request's headers. */
export interface ParsedRequestHeaders {
  /** The codec of compressed request messages (grpc-encoding); undefined for identity. */
  readonly requestCodec: Codec | undefined;
  /** The encodings the client reads (grpc-accept-encoding), lowercase. */
  readonly acceptedEncodings: readonly string[];
  /** The response encoding chosen by chooseResponseEncoding; undefined for identity. */
  readonly responseCodec: Codec | undefined;
  /** grpc-timeout in ms (fractional for u and n); undefined without one. */
  readonly timeoutMs: number | undefined;
}

/**
 * The gRPC-level checks, answered with a status once the method is known: an unsupported grpc-encoding is
 * UNIMPLEMENTED (the spec's answer, sent with the encodings we accept), a malformed grpc-timeout INTERNAL
 * (parseTimeout). `defaultCompression` is the server's choice for responses when the client accepts it.
 */
export function parseRequestHeaders(headers: IncomingHeaders, defaultCompression?: EncodingName): ParsedRequestHeaders | GrpcError {
  const requestEncoding = headerString(headers[GRPC_ENCODING_HEADER]) ?? 'identity';
  let requestCodec: Codec | undefined;
  if (requestEncoding !== 'identity') {
    requestCodec = findCodec(requestEncoding);
    if (requestCodec === undefined) return new GrpcError(Status.UNIMPLEMENTED, `Unsupported grpc-encoding: ${requestEncoding}`);
  }
  const acceptedEncodings = parseEncodingList(headers[GRPC_ACCEPT_ENCODING_HEADER]);
  const responseEncoding = chooseResponseEncoding(requestEncoding, acceptedEncodings, defaultCompression);
  const timeout = headerString(headers[GRPC_TIMEOUT_HEADER]);
  let timeoutMs: number | undefined;
  if (timeout !== undefined) {
    const parsed = parseTimeout(timeout);
    if (parsed instanceof GrpcError) return parsed;
    timeoutMs = parsed;
  }
  return {
    requestCodec,
    acceptedEncodings,
    responseCodec: responseEncoding === 'identity' ? undefined : findCodec(responseEncoding),
    timeoutMs,
  };
}

/** A repeated header as one comma-joined value, as HTTP reads it. */
function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
