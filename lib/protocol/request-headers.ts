// A call's request headers (PROTOCOL-HTTP2 "Requests": Call-Definition, Timeout, Message-Encoding, Custom-Metadata).
// Client side: built here and nowhere else, grpc-timeout included.

import { ACCEPT_ENCODING } from './compression.js';
import {
  CONTENT_TYPE_HEADER, GRPC_ACCEPT_ENCODING_HEADER, GRPC_CONTENT_TYPE, GRPC_ENCODING_HEADER, GRPC_TIMEOUT_HEADER,
  TE_HEADER, TE_TRAILERS, USER_AGENT_HEADER,
} from './headers.js';
import { metadataToHeaders } from './metadata.js';
import type { Metadata } from './metadata.js';
import { encodeTimeout } from './timeout.js';

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
