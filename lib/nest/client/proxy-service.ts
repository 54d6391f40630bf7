// The object GrpcClientProxy.getService returns: the shape Nest's ClientGrpcProxy builds over grpc-js, i.e. every
// method under its .proto name and its lowerCamelCase name, called as (request, metadata?, options?) -> Observable.

import type { Observable } from 'rxjs';
import type { CallOptions } from '../../client/call-options.js';
import type { RequestStream } from '../../client/request-writer.js';
import type { MetadataInit } from '../../protocol/metadata.js';
import { lowerCamelCase } from '../../schema/method-names.js';
import type { MethodDescriptor, ServiceDescriptor } from '../../schema/descriptors.js';

/** Second argument of a service method: our Metadata, a plain object, pairs, or a grpc-js Metadata. */
export type ProxyMetadata = MetadataInit;

/** A getService() method: one cold Observable per call; subscribe starts it, unsubscribe cancels it. */
export interface ProxyMethod<Req = unknown, Res = unknown> {
  (request: Req | RequestStream<Req>, metadata?: ProxyMetadata | null, options?: CallOptions): Observable<Res>;
}

/** The untyped getService() result; pass your own interface to getService<T>(). */
export type ProxyService = Record<string, ProxyMethod>;

/** Starts one call of a method; the proxy supplies it so that stubs outlive close() and reconnects. */
export type ProxyCall = (method: MethodDescriptor, request: unknown, options: CallOptions | undefined) => Observable<unknown>;

function createProxyMethod(method: MethodDescriptor, call: ProxyCall): ProxyMethod {
  return (request, metadata, options) => {
    // As grpc-js: the metadata argument wins over options.metadata; null and undefined mean none.
    const merged = metadata === undefined || metadata === null ? options : { ...options, metadata };
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
