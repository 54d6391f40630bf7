// The object GrpcClientProxy.getService returns: the shape Nest's ClientGrpcProxy builds over grpc-js, i.e. every
// method under its .proto name and its lowerCamelCase name, called as (request, metadata?, options?) -> Observable.

import type { Observable } from 'rxjs';
import type { CallOptions } from '../client/call-options.js';
import type { RequestStream } from '../client/request-writer.js';
import { Metadata } from '../protocol/metadata.js';
import type { MetadataInit, MetadataValue } from '../protocol/metadata.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';

/** A grpc-js Metadata, recognised by its public methods (its multimap `internalRepr` is protected). */
export interface GrpcJsMetadataLike {
  getMap(): Record<string, unknown>;
  toHttp2Headers(): unknown;
}

/** Second argument of a service method: our Metadata, a plain object, pairs, or a grpc-js Metadata. */
export type ProxyMetadata = MetadataInit | GrpcJsMetadataLike;

/** A getService() method: one cold Observable per call; subscribe starts it, unsubscribe cancels it. */
export interface ProxyMethod<Req = unknown, Res = unknown> {
  (request: Req | RequestStream<Req>, metadata?: ProxyMetadata | null, options?: CallOptions): Observable<Res>;
}

/** The untyped getService() result; pass your own interface to getService<T>(). */
export type ProxyService = Record<string, ProxyMethod>;

/** Starts one call of a method; the proxy supplies it so that stubs outlive close() and reconnects. */
export type ProxyCall = (method: MethodDescriptor, request: unknown, options: CallOptions | undefined) => Observable<unknown>;

// lodash.camelcase's word split (what @grpc/proto-loader names `originalName`), for the characters of
// proto identifiers: a capitalised or lowercase run, an acronym ending where a capitalised word starts, digits.
const WORD = /[A-Z]?[a-z]+(?=[^A-Za-z0-9]|[A-Z]|$)|[A-Z]+(?=[^A-Za-z0-9]|[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+|\d+/g;

/** The lowerCamelCase alias grpc-js clients (and so Nest's) give a method: 'GetHTTPItem' -> 'getHttpItem'. */
export function lowerCamelCase(name: string): string {
  const words = name.match(WORD) ?? [];
  let result = '';
  for (const [index, word] of words.entries()) {
    const lower = word.toLowerCase();
    result += index === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
  }
  return result;
}

function isGrpcJsMetadata(value: unknown): value is GrpcJsMetadataLike {
  if (typeof value !== 'object' || value === null || value instanceof Metadata) return false;
  const candidate = value as Partial<GrpcJsMetadataLike>;
  return typeof candidate.getMap === 'function' && typeof candidate.toHttp2Headers === 'function';
}

/** Our MetadataInit for any accepted form; a grpc-js Metadata becomes its list of pairs, validated at subscribe. */
export function toMetadataInit(metadata: ProxyMetadata): MetadataInit {
  if (!isGrpcJsMetadata(metadata)) return metadata;
  // Every value of every key lives in the (protected) internalRepr; getMap() would keep only the first ones.
  const repr: unknown = Reflect.get(metadata, 'internalRepr');
  if (!(repr instanceof Map)) return Object.entries(metadata.getMap()) as Array<[string, MetadataValue]>;
  const pairs: Array<readonly [string, MetadataValue]> = [];
  for (const [key, values] of repr as Map<string, readonly MetadataValue[]>) {
    for (const value of values) pairs.push([key, value]);
  }
  return pairs;
}

function createProxyMethod(method: MethodDescriptor, call: ProxyCall): ProxyMethod {
  return (request, metadata, options) => {
    // As grpc-js: the metadata argument wins over options.metadata; null and undefined mean none.
    const merged = metadata === undefined || metadata === null ? options : { ...options, metadata: toMetadataInit(metadata) };
    return call(method, request, merged);
  };
}

/** One function per method under both names, in grpc-js's order (a later method wins a name clash). */
export function createProxyService(service: ServiceDescriptor, call: ProxyCall): ProxyService {
  // No prototype: a proto method may be named like an Object.prototype member.
  const proxy = Object.create(null) as ProxyService;
  for (const [name, method] of service.methods) {
    const invoke = createProxyMethod(method, call);
    proxy[name] = invoke;
    proxy[lowerCamelCase(name)] = invoke;
  }
  return proxy;
}
