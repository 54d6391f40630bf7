// Metadata (grpc-js-compatible API) and its mapping to and from node:http2 header objects.
// Follows PROTOCOL-HTTP2 "Custom-Metadata": lowercase ASCII keys, printable ASCII values, base64 for '-bin' keys.

import { asBuffer } from '../memory/buffer-view.js';
import { CONTENT_TYPE_HEADER, GRPC_STATUS_DETAILS_HEADER, TE_HEADER } from './headers.js';

export type MetadataValue = string | Buffer;

/**
 * The public shape of a grpc-js Metadata, accepted wherever metadata is taken so that code written
 * for grpc-js (and Nest's built-in transport) keeps working; `toJSON()` gives every value of every key.
 */
export interface GrpcJsMetadataLike {
  getMap(): Record<string, unknown>;
  toJSON(): Record<string, readonly MetadataValue[]>;
}

export type MetadataInit =
  | Metadata
  | GrpcJsMetadataLike
  | Record<string, MetadataValue | readonly MetadataValue[]>
  | Iterable<readonly [string, MetadataValue]>;

const LEGAL_KEY = /^[0-9a-z_.-]+$/;
const LEGAL_VALUE = /^[\x20-\x7e]*$/;
// Unpadded or padded, standard or URL-safe alphabet: the spec says receivers must accept both paddings.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function normalizeKey(key: string): string {
  const lower = typeof key === 'string' ? key.toLowerCase() : '';
  if (!LEGAL_KEY.test(lower)) throw new TypeError(`Metadata key "${String(key)}" contains illegal characters`);
  return lower;
}

function normalizeValue(key: string, value: unknown): MetadataValue {
  if (key.endsWith('-bin')) {
    // A view, not a copy: the caller handed the bytes over.
    if (value instanceof Uint8Array) return asBuffer(value);
    throw new TypeError(`Metadata value for "${key}" must be a Buffer: keys ending in -bin are binary`);
  }
  if (typeof value !== 'string') {
    throw new TypeError(`Metadata value for "${key}" must be a string: only keys ending in -bin take Buffers`);
  }
  if (!LEGAL_VALUE.test(value)) {
    throw new TypeError(`Metadata value for "${key}" is not legal in a header: ${JSON.stringify(value)}`);
  }
  return value;
}

function isGrpcJsMetadata(init: object): init is GrpcJsMetadataLike {
  const candidate = init as Partial<GrpcJsMetadataLike>;
  return typeof candidate.getMap === 'function' && typeof candidate.toJSON === 'function';
}

/** Request, response or trailing metadata: an ordered multimap with lowercase keys. */
export class Metadata {
  private readonly map = new Map<string, MetadataValue[]>();

  /** Copies and validates every entry of `init`; throws TypeError naming the first bad key. */
  constructor(init?: MetadataInit) {
    if (init === undefined) return;
    if (init instanceof Metadata) {
      for (const [key, values] of init.map) this.map.set(key, values.slice());
    } else if (isGrpcJsMetadata(init)) {
      for (const [key, values] of Object.entries(init.toJSON())) for (const value of values) this.add(key, value);
    } else if (Symbol.iterator in init) {
      for (const [key, value] of init as Iterable<readonly [string, MetadataValue]>) this.add(key, value);
    } else {
      for (const [key, value] of Object.entries(init)) {
        if (Array.isArray(value)) for (const item of value as readonly MetadataValue[]) this.add(key, item);
        else this.add(key, value as MetadataValue);
      }
    }
  }

  /** Returns `init` itself when it is already a Metadata, else a new one built from it. */
  static from(init?: MetadataInit): Metadata {
    return init instanceof Metadata ? init : new Metadata(init);
  }

  /** Every value of `key` (case-insensitive), oldest first; a fresh array. */
  get(key: string): MetadataValue[] {
    return this.map.get(key.toLowerCase())?.slice() ?? [];
  }

  /** Replaces all values of `key` with `value`. */
  set(key: string, value: MetadataValue): void {
    const normalized = normalizeKey(key);
    this.map.set(normalized, [normalizeValue(normalized, value)]);
  }

  /** Appends `value` to the values of `key`. */
  add(key: string, value: MetadataValue): void {
    const normalized = normalizeKey(key);
    const checked = normalizeValue(normalized, value);
    const values = this.map.get(normalized);
    if (values === undefined) this.map.set(normalized, [checked]);
    else values.push(checked);
  }

  remove(key: string): void {
    this.map.delete(key.toLowerCase());
  }

  /** The first value of each key. */
  getMap(): Record<string, MetadataValue> {
    const result: Record<string, MetadataValue> = {};
    for (const [key, values] of this.map) result[key] = values[0]!;
    return result;
  }

  /** A deep copy: Buffers are copied too, as grpc-js does, so the clone can be mutated independently. */
  clone(): Metadata {
    const copy = new Metadata();
    for (const [key, values] of this.map) {
      copy.map.set(key, values.map((v) => (typeof v === 'string' ? v : Buffer.from(v))));
    }
    return copy;
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  /** Every value as a [key, value] pair, keys in first-insertion order, values oldest first. */
  *entries(): IterableIterator<[string, MetadataValue]> {
    for (const [key, values] of this.map) for (const value of values) yield [key, value];
  }

  /** The number of values, not keys. */
  get size(): number {
    let n = 0;
    for (const values of this.map.values()) n += values.length;
    return n;
  }

  /** For logging: binary values as base64. */
  toJSON(): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    for (const [key, values] of this.map) result[key] = values.map(toHeaderValue);
    return result;
  }
}

function toHeaderValue(value: MetadataValue): string {
  return typeof value === 'string' ? value : value.toString('base64');
}

// HTTP/2 forbids connection-specific headers (RFC 9113 8.2.2); node:http2 would throw on them later anyway.
const RESERVED = new Set([TE_HEADER, CONTENT_TYPE_HEADER, 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function isReservedKey(key: string): boolean {
  if (key.startsWith('grpc-')) return key !== GRPC_STATUS_DETAILS_HEADER;
  return RESERVED.has(key);
}

/**
 * Appends `metadata` to a node:http2 outgoing header object; '-bin' values are padded base64, several values
 * of one key become a string[]. Throws TypeError, before touching `headers`, if a key is reserved by gRPC or HTTP/2.
 */
export function metadataToHeaders(metadata: Metadata, headers: Record<string, string | string[]>): void {
  const keys = metadata.keys();
  for (const key of keys) {
    if (isReservedKey(key)) throw new TypeError(`Metadata key "${key}" is reserved and cannot be sent as metadata`);
  }
  for (const key of keys) {
    const values = metadata.get(key);
    const encoded = values.length === 1 ? toHeaderValue(values[0]!) : values.map(toHeaderValue);
    const existing = headers[key];
    if (existing === undefined) headers[key] = encoded;
    else headers[key] = ([] as string[]).concat(existing, encoded);
  }
}

// Transport headers that are not metadata; 'grpc-*' and pseudo-headers are skipped by prefix.
// Transport headers a peer sends beside gRPC's own; grpc-js's server drops them from metadata too.
const NOT_METADATA = new Set([TE_HEADER, CONTENT_TYPE_HEADER, 'content-length', 'accept-encoding']);

function decodeBase64(text: string): Buffer | undefined {
  const unpadded = text.length - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  // A lone trailing sextet cannot encode a byte: the value was cut or is not base64.
  if (!BASE64.test(text) || unpadded % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

/**
 * Metadata from node:http2 incoming headers or trailers. Never throws: an illegal key or value is skipped.
 * node:http2 joins repeated headers with ', '; like grpc-js, only '-bin' values are split back apart
 * (base64 has no commas), text values keep the joined form since a value may itself contain commas.
 */
export function metadataFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Metadata {
  const metadata = new Metadata();
  for (const key of Object.keys(headers)) {
    const raw = headers[key];
    const lower = key.toLowerCase();
    // LEGAL_KEY has no ':', so it also drops pseudo-headers.
    if (raw === undefined || lower.startsWith('grpc-') || NOT_METADATA.has(lower) || !LEGAL_KEY.test(lower)) continue;
    const values = typeof raw === 'string' ? [raw] : raw;
    if (lower.endsWith('-bin')) {
      for (const value of values) {
        for (const part of value.split(',')) {
          const bytes = decodeBase64(part.trim());
          if (bytes !== undefined) metadata.add(lower, bytes);
        }
      }
    } else {
      for (const value of values) if (LEGAL_VALUE.test(value)) metadata.add(lower, value);
    }
  }
  return metadata;
}
