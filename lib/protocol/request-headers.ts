// A call's request headers (PROTOCOL-HTTP2 "Requests": Call-Definition, Timeout, Message-Encoding, Custom-Metadata).
// Client side: built here and nowhere else, grpc-timeout included. Server side: read into values, or the status
// that refuses the call.

import { ACCEPT_ENCODING, chooseResponseEncoding, findCodec, parseEncodingList } from './compression.js';
import type { Codec, EncodingName } from './compression.js';
import { GrpcError } from './grpc-error.js';
import {
  CONTENT_TYPE_HEADER, GRPC_ACCEPT_ENCODING_HEADER, GRPC_CONTENT_TYPE, GRPC_ENCODING_HEADER, GRPC_TIMEOUT_HEADER,
  isGrpcContentType, TE_HEADER, TE_TRAILERS, USER_AGENT_HEADER,
} from './headers.js';
import { metadataToHeaders } from './metadata.js';
import type { Metadata } from './metadata.js';
import { Status } from './status.js';
import { encodeTimeout, parseTimeout } from './timeout.js';

// ---------------------------------------------------------------------------------------------------------------
// Client side: building a call's request headers
// ---------------------------------------------------------------------------------------------------------------

/** Request headers as node:http2's request() takes them. */
export type RequestHeaders = Readonly<Record<string, string | string[]>>;

/** What the headers of every call of one method share. */
export interface RequestTarget {
  readonly scheme: 'http' | 'https';
  /** host:port, sent as :authority. */
  readonly authority: string;
  /** /package.Service/Method */
  readonly path: string;
  readonly userAgent: string;
}

/** The headers every call of one method sends, frozen: built once per method and shared by its calls. */
export function buildRequestHeaderTemplate(target: RequestTarget): RequestHeaders {
  return Object.freeze({
    ':method': 'POST',
    ':scheme': target.scheme,
    ':path': target.path,
    ':authority': target.authority,
    [CONTENT_TYPE_HEADER]: GRPC_CONTENT_TYPE,
    [TE_HEADER]: TE_TRAILERS,
    [USER_AGENT_HEADER]: target.userAgent,
    [GRPC_ACCEPT_ENCODING_HEADER]: ACCEPT_ENCODING,
  });
}

/**
 * One call's request headers: the method's template, grpc-timeout for `timeLeftMs` (Infinity: no deadline, no
 * header), grpc-encoding when requests are compressed, then the metadata. A call that adds nothing gets the
 * template itself: node:http2 copies the header object, so it can go out as is. Throws TypeError on a metadata key
 * reserved by gRPC or HTTP/2, before anything is sent.
 */
export function buildRequestHeaders(
  template: RequestHeaders,
  timeLeftMs: number,
  encoding: string | undefined,
  metadata: Metadata | undefined,
): RequestHeaders {
  if (metadata === undefined && timeLeftMs === Infinity && encoding === undefined) return template;
  const headers: Record<string, string | string[]> = { ...template };
  if (timeLeftMs !== Infinity) headers[GRPC_TIMEOUT_HEADER] = encodeTimeout(timeLeftMs);
  if (encoding !== undefined) headers[GRPC_ENCODING_HEADER] = encoding;
  if (metadata !== undefined) {
    metadataToHeaders(metadata, headers);
    // user-agent is single-valued in HTTP/2: a caller's own goes first, ours after (as grpc-core does).
    const agents = headers[USER_AGENT_HEADER];
    if (Array.isArray(agents)) headers[USER_AGENT_HEADER] = [...agents.slice(1), agents[0]].join(' ');
  }
  return headers;
}

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
