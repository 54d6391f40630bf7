// Call status <-> grpc-status / grpc-message / grpc-status-details-bin trailers.
// Follows PROTOCOL-HTTP2 "Responses" (Status, Status-Message percent-encoding) and grpc-js's trailer handling.
import { GRPC_MESSAGE_HEADER, GRPC_STATUS_DETAILS_HEADER, GRPC_STATUS_HEADER } from './headers.js';
import { Metadata, metadataFromHeaders, metadataToHeaders } from './metadata.js';
import { Status, isStatus } from './status.js';

export interface StatusInfo {
  code: Status;
  message: string;
  metadata: Metadata;
  details?: Buffer;
}

// Bytes that go on the wire as is: printable ASCII except '%'.
const PLAIN_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;
const HEX = '0123456789ABCDEF';

/**
 * Peers cap a header block (Node and grpc-js: 64 KiB; grpc-c++: 16 KiB hard by default), and a status over the
 * cap reaches the caller as a reset stream, not as the status. So the server sends at most this many UTF-8 bytes
 * of grpc-message and of grpc-status-details-bin (before base64), about 21 KiB together on the wire.
 */
export const MAX_STATUS_MESSAGE_BYTES = 4 * 1024;
export const MAX_STATUS_DETAILS_BYTES = 12 * 1024;

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes (on a character boundary), saying how much was cut; as it is when it
 * fits. The note counts in the budget.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Three bytes per UTF-16 unit at most: short text needs no measuring.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const note = ` [truncated: ${bytes.length} bytes in all]`;
  let end = Math.max(0, maxBytes - note.length);
  // Step back to the first byte of a UTF-8 sequence, so no character is cut in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end) + note;
}

/** Percent-encodes the UTF-8 bytes of `message` outside 0x20-0x7E, and '%' itself. */
export function encodeGrpcMessage(message: string): string {
  if (PLAIN_MESSAGE.test(message)) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Decodes a grpc-message. Lenient, as the spec asks of receivers: a '%' not followed by two hex digits is
 * kept as is, and bytes that are not valid UTF-8 become U+FFFD. node:http2 hands header values over as latin1,
 * so raw (non-percent-encoded) UTF-8 from a sloppy peer also comes out right.
 */
export function decodeGrpcMessage(value: string): string {
  if (PLAIN_MESSAGE.test(value)) return value;
  const source = Buffer.from(value, /^[\x00-\xff]*$/.test(value) ? 'latin1' : 'utf8');
  const bytes = Buffer.allocUnsafe(source.length);
  let n = 0;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i]!;
    if (byte === 0x25 && i + 2 < source.length) {
      const high = hexValue(source[i + 1]!);
      const low = hexValue(source[i + 2]!);
      if (high >= 0 && low >= 0) {
        bytes[n++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    bytes[n++] = byte;
  }
  return bytes.toString('utf8', 0, n);
}

/**
 * Writes a status into a trailer (or trailers-only header) object: grpc-status, grpc-message when not empty,
 * grpc-status-details-bin when `details` is set (it then wins over a copy in the metadata), then the metadata.
 */
export function statusToTrailers(status: StatusInfo, into: Record<string, string | string[]>): void {
  into[GRPC_STATUS_HEADER] = String(status.code);
  if (status.message !== '') into[GRPC_MESSAGE_HEADER] = encodeGrpcMessage(status.message);
  let metadata = status.metadata;
  if (status.details !== undefined) {
    into[GRPC_STATUS_DETAILS_HEADER] = status.details.toString('base64');
    if (metadata.get(GRPC_STATUS_DETAILS_HEADER).length > 0) {
      metadata = metadata.clone();
      metadata.remove(GRPC_STATUS_DETAILS_HEADER);
    }
  }
  metadataToHeaders(metadata, into);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the status from trailers (or a trailers-only response); undefined when there is no grpc-status, so the
 * caller can fall back to statusFromHttp. A grpc-status that is not an integer 0..16 reads as UNKNOWN.
 */
export function statusFromTrailers(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): StatusInfo | undefined {
  const rawCode = first(headers[GRPC_STATUS_HEADER]);
  if (rawCode === undefined) return undefined;
  const trimmed = rawCode.trim();
  const parsed = /^\d{1,2}$/.test(trimmed) ? Number(trimmed) : -1;
  const rawMessage = first(headers[GRPC_MESSAGE_HEADER]);
  const status: StatusInfo = {
    code: isStatus(parsed) ? parsed : Status.UNKNOWN,
    message: rawMessage === undefined ? '' : decodeGrpcMessage(rawMessage),
    metadata: metadataFromHeaders(headers),
  };
  const rawDetails = first(headers[GRPC_STATUS_DETAILS_HEADER]);
  if (rawDetails !== undefined) status.details = Buffer.from(rawDetails, 'base64');
  return status;
}
