// A service written for grpc-js, served on GrpcServer: its grpc-js-style implementation (callbacks, grpc-js call
// objects) becomes engine handlers for the methods of its definition (read by schema/grpc-js-definition.ts).
import { EMPTY } from 'rxjs';
import type { Observable } from 'rxjs';
import type { MetadataInit } from '../protocol/metadata.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import type { GrpcJsServiceDefinition } from '../schema/grpc-js-definition.js';
import type { CallContext, ServerHandler } from './call-context.js';
import { CompatDuplexCall, CompatServerCall } from './grpc-js-calls.js';

/**
 * grpc-js's UntypedServiceImplementation: `(call, callback)` for unary and client-streaming methods, `(call)` for
 * the others; found under the .proto name or the definition's `originalName` (lowerCamelCase), as grpc-js does.
 */
export type GrpcJsImplementation = object;

type Implementation = (call: unknown, callback?: UnaryCallback) => unknown;
type UnaryCallback = (error: unknown, value?: unknown, trailer?: MetadataInit | null) => void;

/**
 * Engine handlers, keyed by method name, running `implementation`'s grpc-js-style functions. Methods it lacks are
 * left out, so they answer UNIMPLEMENTED, as grpc-js's default handlers do.
 */
export function createGrpcJsHandlers(service: ServiceDescriptor, definition: GrpcJsServiceDefinition,
  implementation: GrpcJsImplementation): Record<string, ServerHandler> {
  const handlers: Record<string, ServerHandler> = {};
  for (const [name, method] of service.methods) {
    const source = implementation as Record<string, unknown>;
    const originalName = definition[name]?.originalName;
    const found = source[name] ?? (originalName === undefined ? undefined : source[originalName]);
    if (typeof found !== 'function') continue;
    const run = (call: unknown, callback?: UnaryCallback): unknown => (found as Implementation).call(implementation, call, callback);
    handlers[name] = handlerFor(method, run);
  }
  return handlers;
}

function handlerFor(method: MethodDescriptor, run: Implementation): ServerHandler {
  if (method.responseStream) {
    // grpc-js's ServerWritableStream (with `request`) or ServerDuplexStream: what is written to it is the response.
    return (request: unknown, context: CallContext) => {
      const call = method.requestStream
        ? new CompatDuplexCall(request as Observable<unknown>, context)
        : new CompatDuplexCall(EMPTY, context, request);
      run(call);
      return call.responses;
    };
  }
  // grpc-js's ServerUnaryCall or ServerReadableStream, answered through callback(error, value, trailer).
  return (request: unknown, context: CallContext) => new Promise((resolve, reject) => {
    const call = method.requestStream
      ? new CompatDuplexCall(request as Observable<unknown>, context)
      : new CompatServerCall(request, context);
    run(call, (error, value, trailer) => {
      if (trailer !== undefined && trailer !== null) context.setTrailingMetadata(trailer);
      if (error === null || error === undefined) resolve(value);
      else reject(error);
    });
  });
}
