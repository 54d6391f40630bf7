// Message compression codecs (identity, deflate, gzip) and grpc-encoding negotiation.
// Follows gRPC's doc/compression.md; 'deflate' is the zlib format (RFC 1950), as grpc-js (zlib.createInflate) uses.
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { asBuffer } from '../memory/buffer-view.js';
import { GrpcError } from './grpc-error.js';
import { Status } from './status.js';

export type EncodingName = 'identity' | 'gzip' | 'deflate';

/**
 * Sync zlib on purpose: it keeps message order without a promise per message, and messages are <= a few MiB;
 * decompressBounded hands large inflations to the thread pool. decompress refuses output over maxLength with RESOURCE_EXHAUSTED, corrupt input with INTERNAL.
 */
export interface Codec {
  readonly name: EncodingName;
  compress(data: Uint8Array): Buffer;
  decompress(data: Uint8Array, maxLength: number): Buffer | GrpcError;
  /**
   * As decompress, but inflates synchronously only up to `syncLength` output bytes: a larger message (a few KiB of
   * gzip may inflate to MiBs) is inflated on libuv's thread pool, so the event loop is not blocked by it.
   */
  decompressBounded(data: Uint8Array, maxLength: number, syncLength: number): Buffer | GrpcError | Promise<Buffer | GrpcError>;
}


function tooLarge(maxLength: number): GrpcError {
  // Same text as grpc-js, so both servers answer a bomb identically.
  return new GrpcError(
    Status.RESOURCE_EXHAUSTED,
    `Received message that decompresses to a size larger than ${maxLength}`,
  );
}

type ZlibSync = (data: Buffer, options: zlib.ZlibOptions) => Buffer;
type ZlibAsync = (data: Buffer, options: zlib.ZlibOptions, callback: (error: Error | null, result: Buffer) => void) => void;

// maxOutputLength makes zlib stop (ERR_BUFFER_TOO_LARGE) one chunk past the limit instead of inflating a bomb
// whole; it must lie in 1..buffer.constants.MAX_LENGTH, hence the clamp (Infinity included).
function outputLimit(length: number): number {
  return Math.max(1, Math.min(length, bufferConstants.MAX_LENGTH));
}

function isTooLarge(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

function zlibCodec(name: EncodingName, compress: (data: Buffer) => Buffer, inflate: ZlibSync, inflateAsync: ZlibAsync): Codec {
  const corrupt = (err: unknown): GrpcError => new GrpcError(Status.INTERNAL, `Failed to decompress ${name}-encoded message`, { cause: err });
  const decompress = (data: Uint8Array, maxLength: number): Buffer | GrpcError => {
    let output: Buffer;
    try {
      output = inflate(asBuffer(data), { maxOutputLength: outputLimit(maxLength) });
    } catch (err) {
      return isTooLarge(err) ? tooLarge(maxLength) : corrupt(err);
    }
    return output.length > maxLength ? tooLarge(maxLength) : output;
  };
  return {
    name,
    compress: (data) => compress(asBuffer(data)),
    decompress,
    decompressBounded(data, maxLength, syncLength) {
      if (syncLength >= maxLength) return decompress(data, maxLength);
      try {
        return inflate(asBuffer(data), { maxOutputLength: outputLimit(syncLength) });
      } catch (err) {
        if (!isTooLarge(err)) return corrupt(err);
      }
      // Larger than syncLength: the little inflated so far is thrown away and the whole done off the loop.
      return new Promise((resolve) => inflateAsync(asBuffer(data), { maxOutputLength: outputLimit(maxLength) }, (err, output) => {
        if (err !== null) resolve(isTooLarge(err) ? tooLarge(maxLength) : corrupt(err));
        else resolve(output.length > maxLength ? tooLarge(maxLength) : output);
      }));
    },
  };
}

const identity: Codec = {
  name: 'identity',
  compress: asBuffer,
  decompress: (data, maxLength) => (data.byteLength > maxLength ? tooLarge(maxLength) : asBuffer(data)),
  decompressBounded: (data, maxLength) => (data.byteLength > maxLength ? tooLarge(maxLength) : asBuffer(data)),
};

const CODECS: ReadonlyMap<string, Codec> = new Map<string, Codec>([
  ['identity', identity],
  ['deflate', zlibCodec('deflate', (data) => zlib.deflateSync(data), zlib.inflateSync, zlib.inflate)],
  ['gzip', zlibCodec('gzip', (data) => zlib.gzipSync(data), zlib.gunzipSync, zlib.gunzip)],
]);

/** The codec for a grpc-encoding name, case-insensitive; undefined when unsupported. */
export function findCodec(name: string): Codec | undefined {
  return CODECS.get(name.toLowerCase());
}

export const SUPPORTED_ENCODINGS: readonly EncodingName[] = Object.freeze(['identity', 'deflate', 'gzip'] as const);
/** The grpc-accept-encoding value both sides send; the same string grpc-js sends. */
export const ACCEPT_ENCODING: string = SUPPORTED_ENCODINGS.join(',');

/** Lowercase encoding names from a grpc-accept-encoding header, repeated or comma-joined, spaces ignored. */
export function parseEncodingList(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const names: string[] = [];
  for (const value of typeof header === 'string' ? [header] : header) {
    for (const part of value.split(',')) {
      const name = part.trim().toLowerCase();
      if (name !== '' && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/**
 * The encoding for a response: the request's own when it is compressed, supported and accepted by the client;
 * else `serverDefault` when the client accepts it; else identity, which every peer accepts.
 */
export function chooseResponseEncoding(
  requestEncoding: string,
  accepted: readonly string[],
  serverDefault?: EncodingName,
): EncodingName {
  const requested = findCodec(requestEncoding)?.name;
  if (requested !== undefined && requested !== 'identity' && accepted.includes(requested)) return requested;
  if (serverDefault !== undefined && accepted.includes(serverDefault)) return serverDefault;
  return 'identity';
}
