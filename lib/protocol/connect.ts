// The Connect protocol's wire pieces (connectrpc.com/docs/protocol): content-types, connect-timeout-ms, the
// error JSON with its code names and HTTP statuses, and the streaming envelope's end-stream message.
import { decodeRpcStatus } from './status-details.js';
import { Status } from './status.js';
import type { StatusInfo } from './trailers.js';

/** The codec a Connect content-type names. */
export type ConnectCodec = 'proto' | 'json';

/** A Connect request's kind, from its content-type: unary (application/proto) or streaming (application/connect+proto). */
export interface ConnectContentType {
  readonly streaming: boolean;
  readonly codec: ConnectCodec;
}

/** Envelope flags of Connect streaming (Streaming-RPC "Envelope"). */
export const ENVELOPE_COMPRESSED = 0x01;
export const ENVELOPE_END_STREAM = 0x02;

/** application/proto, application/json (charset=utf-8 allowed), application/connect+proto, application/connect+json. */
export function parseConnectContentType(contentType: string | undefined): ConnectContentType | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  switch (mediaType) {
    case 'application/proto': return { streaming: false, codec: 'proto' };
    case 'application/json': return { streaming: false, codec: 'json' };
    case 'application/connect+proto': return { streaming: true, codec: 'proto' };
    case 'application/connect+json': return { streaming: true, codec: 'json' };
    default: return undefined;
  }
}

/** The response content-type for a request's kind. */
export function connectContentType(kind: ConnectContentType): string {
  return `application/${kind.streaming ? 'connect+' : ''}${kind.codec}`;
}

/** connect-timeout-ms: 1 to 10 ASCII digits; an Error value otherwise. */
export function parseConnectTimeout(value: string): number | Error {
  if (!/^\d{1,10}$/.test(value)) return new Error(`Invalid connect-timeout-ms: "${value}"`);
  return Number(value);
}

const CODE_NAMES: readonly string[] = [
  'ok', 'canceled', 'unknown', 'invalid_argument', 'deadline_exceeded', 'not_found', 'already_exists',
  'permission_denied', 'resource_exhausted', 'failed_precondition', 'aborted', 'out_of_range', 'unimplemented',
  'internal', 'unavailable', 'data_loss', 'unauthenticated',
];

// Connect's "Error Codes" table: the HTTP status a unary error response carries.
const HTTP_STATUS: readonly number[] = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

/** The Connect name of a status code ('not_found'). */
export function connectCodeName(code: Status): string {
  return CODE_NAMES[code] ?? 'unknown';
}

/** The HTTP status of a unary error response with `code`. */
export function httpStatusOfCode(code: Status): number {
  return HTTP_STATUS[code] ?? 500;
}

/** One detail of the error JSON: the Any's type name and its bytes, base64 without padding. */
export interface ConnectErrorDetail { type: string; value: string }

/** The error JSON of a unary error response, or of an end-stream message's "error". */
export interface ConnectErrorJson { code: string; message?: string; details?: ConnectErrorDetail[] }

/** The error JSON for a status read from gRPC trailers (statusFromTrailers). */
export function connectErrorOf(status: StatusInfo): ConnectErrorJson {
  const json: ConnectErrorJson = { code: connectCodeName(status.code) };
  if (status.message !== '') json.message = status.message;
  const rich = status.details === undefined ? undefined : decodeDetails(status.details);
  if (rich !== undefined && rich.details.length > 0) {
    json.details = rich.details.map((any) => ({
      type: any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1),
      value: Buffer.from(any.value).toString('base64').replace(/=+$/, ''),
    }));
  }
  return json;
}

function decodeDetails(bytes: Uint8Array): ReturnType<typeof decodeRpcStatus> | undefined {
  try {
    return decodeRpcStatus(bytes);
  } catch {
    // Details that are not a google.rpc.Status are left out; the code and message still go.
    return undefined;
  }
}

/** Connect's end-stream message body: the error (none for OK) and the trailing metadata. */
export function encodeEndStream(status: StatusInfo, metadata: Readonly<Record<string, string[]>>): Buffer {
  const body: { error?: ConnectErrorJson; metadata?: Record<string, string[]> } = {};
  if (status.code !== Status.OK) body.error = connectErrorOf(status);
  if (Object.keys(metadata).length > 0) body.metadata = { ...metadata };
  const json = Buffer.from(JSON.stringify(body));
  const frame = Buffer.allocUnsafe(5 + json.length);
  frame[0] = ENVELOPE_END_STREAM;
  frame.writeUInt32BE(json.length, 1);
  json.copy(frame, 5);
  return frame;
}

/** A Connect unary GET's query (protocol "Unary-Get-Request"): the codec, the compression, the message bytes. */
export interface ConnectGetRequest { codec: ConnectCodec; encoding: string; message: Buffer }

/** Reads `?connect=v1&encoding=json&message=...&base64=1&compression=gzip`; an Error value when it does not fit. */
export function parseConnectGetQuery(query: string): ConnectGetRequest | Error {
  const params = new URLSearchParams(query);
  const codec = params.get('encoding');
  if (codec !== 'proto' && codec !== 'json') return new Error('A Connect GET needs encoding=proto or encoding=json');
  const message = params.get('message') ?? '';
  const base64 = params.get('base64') === '1';
  if (base64 && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(message)) return new Error('The message parameter is not base64');
  return {
    codec,
    encoding: params.get('compression') ?? 'identity',
    message: base64 ? Buffer.from(message.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : Buffer.from(message, 'utf8'),
  };
}
