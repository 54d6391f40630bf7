// Which gRPC response headers and trailers are user metadata, for protocols that carry metadata their own way
// (Connect: plain headers, 'trailer-' prefixed headers, the end-stream message's "metadata").
import { CONTENT_TYPE_HEADER } from '../../protocol/headers.js';
import type { OutgoingHeaders } from '../../protocol/response-headers.js';
import type { WebHeaders } from './web-exchange.js';

function isUserMetadata(key: string): boolean {
  return !key.startsWith(':') && !key.startsWith('grpc-') && key !== CONTENT_TYPE_HEADER;
}

/** The user metadata of `headers`, each key prefixed with `prefix`. */
export function metadataHeaders(headers: OutgoingHeaders | undefined, prefix = ''): WebHeaders {
  const out: WebHeaders = {};
  if (headers === undefined) return out;
  for (const [key, value] of Object.entries(headers)) if (isUserMetadata(key)) out[prefix + key] = value;
  return out;
}

/** The user metadata of `headers` as lists of strings (Connect's end-stream "metadata"). */
export function metadataLists(headers: OutgoingHeaders): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (isUserMetadata(key)) out[key] = Array.isArray(value) ? value.map(String) : [String(value)];
  }
  return out;
}
