// Service stubs: one function per proto method (name exactly as in the .proto) returning a cold Observable.
// Subscribing starts the call, unsubscribing before the end cancels it; unary-response methods also get .promise(),
// response-streaming ones .stream() (responses pulled by `for await`).

import { lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import type { CallOptions } from './call-options.js';
import type { RequestStream } from './request-writer.js';
import type { ResponseStream } from './response-stream.js';

/** A stub method: calling it returns a cold Observable of responses. */
export interface StubMethod<Req = unknown, Res = unknown> {
  (request: Req | RequestStream<Req>, options?: CallOptions): Observable<Res>;
  /** Present on methods whose response is unary: the single response, or the GrpcError. */
  promise?(request: Req | RequestStream<Req>, options?: CallOptions): Promise<Res>;
  /** Present on methods whose response is a stream: the responses, read only as fast as `for await` pulls them. */
  stream?(request: Req | RequestStream<Req>, options?: CallOptions): ResponseStream<Res>;
}

/** A stub method whose response is unary. */
export interface UnaryResponseStubMethod<Req = unknown, Res = unknown> extends StubMethod<Req, Res> {
  promise(request: Req | RequestStream<Req>, options?: CallOptions): Promise<Res>;
}

/** A stub method whose response is a stream. */
export interface StreamingResponseStubMethod<Req = unknown, Res = unknown> extends StubMethod<Req, Res> {
  stream(request: Req | RequestStream<Req>, options?: CallOptions): ResponseStream<Res>;
}

/** The untyped stub of a service, keyed by proto method name; pass your own interface to getService<T>(). */
export type ServiceStub = Record<string, StubMethod>;

/** What a stub needs from the client: starting one call. */
export interface CallStarter {
  call<Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): Observable<Res>;
  /** The single response of a unary-response call without an Observable; stubs fall back to lastValueFrom(call()). */
  callForResponse?<Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): Promise<Res>;
  /** The pulled responses; stubs of a starter without it have no .stream(). */
  stream?<Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): ResponseStream<Res>;
}

/** Builds the stub once per getService(); each function closes over its descriptor, not over per-call state. */
export function createStub(client: CallStarter, service: ServiceDescriptor): ServiceStub {
  // No prototype: a proto method may be named like an Object.prototype member (even __proto__).
  const stub = Object.create(null) as ServiceStub;
  for (const [name, method] of service.methods) {
    stub[name] = createStubMethod(client, method);
  }
  return stub;
}

function createStubMethod(client: CallStarter, method: MethodDescriptor): StubMethod {
  const invoke = (request: unknown, options?: CallOptions): Observable<unknown> => client.call(method, request, options);
  if (method.responseStream) {
    if (client.stream === undefined) return invoke;
    const streaming: StreamingResponseStubMethod = Object.assign(invoke, {
      stream: (request: unknown, options?: CallOptions): ResponseStream<unknown> => client.stream!(method, request, options),
    });
    return streaming;
  }
  const unary: UnaryResponseStubMethod = Object.assign(invoke, {
    promise: client.callForResponse === undefined
      ? (request: unknown, options?: CallOptions): Promise<unknown> => lastValueFrom(client.call(method, request, options))
      : (request: unknown, options?: CallOptions): Promise<unknown> => client.callForResponse!(method, request, options),
  });
  return unary;
}
