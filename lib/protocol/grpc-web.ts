// gRPC-Web's wire differences from gRPC (grpc/grpc doc/PROTOCOL-WEB.md): its content-types, trailers sent as a
// final length-prefixed frame with the 0x80 flag, and the base64 "text" forms whose chunks may each carry padding.

/** The MSB of a frame's flag byte marks the trailer frame (PROTOCOL-WEB "Message framing"). */
export const TRAILER_FLAG = 0x80;

/** What a request's content-type asks for: binary or base64 text; undefined when it is not gRPC-Web. */
export type GrpcWebFormat = 'binary' | 'text';

/** application/grpc-web, application/grpc-web+proto and the -text forms; '+json' and others are refused. */
export function parseGrpcWebContentType(contentType: string | undefined): GrpcWebFormat | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  switch (mediaType) {
    case 'application/grpc-web':
    case 'application/grpc-web+proto':
      return 'binary';
    case 'application/grpc-web-text':
    case 'application/grpc-web-text+proto':
      return 'text';
    default:
      return undefined;
  }
}

/** The response content-type for a format. */
export function grpcWebContentType(format: GrpcWebFormat): string {
  return format === 'text' ? 'application/grpc-web-text+proto' : 'application/grpc-web+proto';
}

/**
 * The trailer frame: "key: value\r\n" lines (names lowercase, as HTTP/2 headers are), one line per value of a
 * repeated key, after a 5-byte prefix with the trailer flag.
 */
export function encodeTrailerFrame(trailers: Readonly<Record<string, string | string[] | number>>): Buffer {
  let text = '';
  for (const [key, value] of Object.entries(trailers)) {
    if (key.startsWith(':')) continue;
    for (const one of Array.isArray(value) ? value : [value]) text += `${key.toLowerCase()}: ${String(one)}\r\n`;
  }
  const body = Buffer.from(text, 'latin1');
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame[0] = TRAILER_FLAG;
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

// Whole quanta; only the last may end in padding.
const BASE64_RUN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

/**
 * Base64 text bodies into bytes, across chunk boundaries: characters are decoded four at a time, the rest kept
 * for the next chunk. A quantum ending in padding ends one chunk of the sender's, so decoding goes on after it
 * (PROTOCOL-WEB: padding may occur between messages). Bad input is an Error value, never a throw.
 */
export class Base64ChunkDecoder {
  #rest = '';

  /** The bytes the chunk completes, or an Error on a character that is not base64. */
  push(chunk: Buffer): Buffer | Error {
    const text = this.#rest + chunk.toString('latin1').replace(/[\r\n]/g, '');
    const whole = text.length - (text.length % 4);
    this.#rest = text.slice(whole);
    // Runs between padded quanta decode in one call; a quantum with padding ends a run.
    const parts: Buffer[] = [];
    let start = 0;
    while (start < whole) {
      const pad = text.indexOf('=', start);
      const end = pad === -1 || pad >= whole ? whole : pad - (pad % 4) + 4;
      const run = text.slice(start, end);
      if (!BASE64_RUN.test(run)) return new Error('The request body is not valid base64');
      parts.push(Buffer.from(run, 'base64'));
      start = end;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** At the end of the body: an Error when characters of an incomplete quantum remain. */
  end(): undefined | Error {
    return this.#rest.length === 0 ? undefined : new Error('The request body ends inside a base64 quantum');
  }
}
