// A service written for grpc-js, served on GrpcServer: a grpc-js ServiceDefinition (paths, streaming flags and the
// user's own serialize/deserialize functions) becomes MethodDescriptors, its grpc-js-style implementation handlers.
import { EMPTY } from 'rxjs';
import type { Observable } from 'rxjs';
import { asBuffer } from '../memory/buffer-view.js';
import type { FrameBatch } from '../protocol/frame-batch.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import type { MetadataInit } from '../protocol/metadata.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import type { CallContext, ServerHandler } from './call-context.js';
import { CompatDuplexCall, CompatServerCall } from './grpc-js-calls.js';

/** One method of a grpc-js ServiceDefinition (what proto-loader and grpc-tools generate). */
export interface GrpcJsMethodDefinition {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  requestSerialize(value: unknown): Uint8Array;
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: unknown): Uint8Array;
  responseDeserialize(bytes: Buffer): unknown;
  readonly originalName?: string;
}

/** grpc-js's ServiceDefinition: methods keyed by their .proto name. */
export type GrpcJsServiceDefinition = Readonly<Record<string, GrpcJsMethodDefinition>>;

/**
 * grpc-js's UntypedServiceImplementation: `(call, callback)` for unary and client-streaming methods, `(call)` for
 * the others; found under the .proto name or the definition's `originalName` (lowerCamelCase), as grpc-js does.
 */
export type GrpcJsImplementation = object;

type Implementation = (call: unknown, callback?: UnaryCallback) => unknown;
type UnaryCallback = (error: unknown, value?: unknown, trailer?: MetadataInit | null) => void;

/** True for a grpc-js ServiceDefinition: every entry has a path and serialize/deserialize functions. */
export function isGrpcJsServiceDefinition(value: unknown): value is GrpcJsServiceDefinition {
  if (typeof value !== 'object' || value === null || value instanceof Map) return false;
  const methods = Object.values(value);
  return methods.length > 0 && methods.every(isGrpcJsMethodDefinition);
}

function isGrpcJsMethodDefinition(value: unknown): value is GrpcJsMethodDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const method = value as Partial<Record<keyof GrpcJsMethodDefinition, unknown>>;
  return typeof method.path === 'string' && typeof method.requestDeserialize === 'function'
    && typeof method.responseSerialize === 'function';
}

/** The ServiceDescriptor of a grpc-js definition: its methods under their keys, with the definition's codec. */
export function describeGrpcJsService(definition: GrpcJsServiceDefinition): ServiceDescriptor {
  const methods = new Map<string, MethodDescriptor>();
  for (const [name, method] of Object.entries(definition)) methods.set(name, describeGrpcJsMethod(name, method));
  const [first] = methods.values();
  return Object.freeze({ name: first?.service ?? '', methods });
}

function describeGrpcJsMethod(name: string, method: GrpcJsMethodDefinition): MethodDescriptor {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(method.path);
  if (match === null) throw new Error(`grpc-js method ${name} has an invalid path "${method.path}": expected /package.Service/Method`);
  const serializeRequest = withReserve(method.requestSerialize);
  const serializeResponse = withReserve(method.responseSerialize);
  return Object.freeze({
    path: method.path,
    service: match[1]!,
    name: match[2]!,
    requestStream: method.requestStream === true,
    responseStream: method.responseStream === true,
    // The definition's functions are the codec; type names are not part of it.
    requestType: '',
    responseType: '',
    serializeRequest,
    deserializeRequest: (bytes: Uint8Array) => method.requestDeserialize(asBuffer(bytes)),
    serializeResponse,
    serializeResponseFrame: (value: unknown, batch: FrameBatch, maxLength = Infinity): number | GrpcError =>
      batch.appendEncoded(method.responseSerialize(value), maxLength),
    deserializeResponse: (bytes: Uint8Array) => method.responseDeserialize(asBuffer(bytes)),
  });
}

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

// grpc-js serializers return a finished Buffer; the engine may ask for bytes reserved in front (a frame prefix).
function withReserve(serialize: (value: unknown) => Uint8Array): (value: unknown, reserve?: number) => Buffer {
  return (value, reserve = 0) => {
    const body = serialize(value);
    if (reserve === 0) return asBuffer(body);
    const out = Buffer.alloc(reserve + body.length);
    out.set(body, reserve);
    return out;
  };
}
