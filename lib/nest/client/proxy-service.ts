// The object GrpcClientProxy.getService returns: the shape Nest's ClientGrpcProxy builds over grpc-js, i.e. every
// method under its .proto name and its lowerCamelCase name, called as (request, metadata?, options?) -> Observable.
// The arguments are told apart as grpc-js's client tells them (client.js checkMetadataAndOptions).

import { defer } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CallOptions } from '../../client/call-options.js';
import type { RequestStream } from '../../client/request-writer.js';
import { Metadata } from '../../protocol/metadata.js';
import type { MetadataInit } from '../../protocol/metadata.js';
import { lowerCamelCase } from '../../schema/method-names.js';
import type { MethodDescriptor, ServiceDescriptor } from '../../schema/descriptors.js';

/** Metadata argument of a service method: our Metadata, a plain object, pairs, or a grpc-js Metadata. */
export type ProxyMetadata = MetadataInit;

/** Call options as grpc-js's client takes them (`deadline`), with this client's own. */
export type ProxyCallOptions = CallOptions;

/**
 * A getService() method: one cold Observable per call; subscribe starts it, unsubscribe cancels it.
 * As on grpc-js: (request), (request, metadata), (request, options), (request, metadata, options).
 */
export interface ProxyMethod<Req = unknown, Res = unknown> {
  (request: Req | RequestStream<Req>, metadataOrOptions?: ProxyMetadata | ProxyCallOptions | null, options?: ProxyCallOptions): Observable<Res>;
}

/** The untyped getService() result; pass your own interface to getService<T>(). */
export type ProxyService = Record<string, ProxyMethod>;

/** Starts one call of a method; the proxy supplies it so that stubs outlive close() and reconnects. */
export type ProxyCall = (method: MethodDescriptor, request: unknown, options: CallOptions | undefined) => Observable<unknown>;

// Our CallOptions keys and grpc-js's CallOptions keys: an object made only of them is options, not metadata.
const OWN_OPTIONS = new Set(['metadata', 'timeout', 'deadline', 'compression', 'onMetadata', 'onStatus', 'waitForReady']);
const GRPC_JS_ONLY_OPTIONS = new Set(['host', 'parent', 'propagate_flags', 'credentials', 'interceptors', 'interceptor_providers']);

/** grpc-js tells Metadata by instanceof; ours, or a grpc-js Metadata from another copy, by its API. */
function isMetadata(value: unknown): boolean {
  return value instanceof Metadata || (typeof value === 'object' && value !== null && typeof (value as { getMap?: unknown }).getMap === 'function');
}

/**
 * grpc-js takes every non-Metadata second argument as options. We also accept metadata as a plain object or
 * pairs there, so a plain object is options only when each of its keys is a call option name.
 */
function isCallOptions(value: unknown): value is CallOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isMetadata(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => OWN_OPTIONS.has(key) || GRPC_JS_ONLY_OPTIONS.has(key));
}

/** The CallOptions of one call from its second and third arguments. */
export function resolveProxyArguments(second: unknown, third: unknown): CallOptions | undefined {
  let options: CallOptions | undefined;
  if (isCallOptions(second)) {
    if (third !== undefined) throw new TypeError('A gRPC service method takes (request, metadata?, options?): call options came second, so no third argument may follow');
    options = second;
  } else {
    if (third !== undefined && (typeof third !== 'object' || third === null)) throw new TypeError(`Call options must be an object, got ${String(third)}`);
    const base = third as CallOptions | undefined;
    // As grpc-js: the metadata argument wins over options.metadata; null and undefined mean none.
    options = second === undefined || second === null ? base : { ...base, metadata: second as MetadataInit };
  }
  for (const key of Object.keys(options ?? {})) {
    if (GRPC_JS_ONLY_OPTIONS.has(key)) throw new TypeError(`The grpc-js call option "${key}" is not supported by GrpcClientProxy (supported: ${[...OWN_OPTIONS].join(', ')})`);
  }
  return options;
}

function createProxyMethod(method: MethodDescriptor, call: ProxyCall): ProxyMethod {
  // Bad arguments fail the subscriber, as on Nest's ClientGrpc, where grpc-js throws inside the Observable.
  return (request, second, third) => defer(() => call(method, request, resolveProxyArguments(second, third)));
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
