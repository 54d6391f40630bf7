// Service and method descriptors walked from a resolved protobufjs Root: paths, types, streaming flags, codecs.
// Paths are PROTOCOL-HTTP2's '/' Service-Name '/' {method name}.

import { Namespace, Service } from 'protobufjs';
import type { Method, NamespaceBase, Root, Type } from 'protobufjs';
import { createMessageCodec, resolveShape } from './message-codec.js';
import { useProtoLoaderSemanticsThroughout } from './proto-loader-semantics.js';
import { recordServiceSource } from './proto-sources.js';
import type { MessageCodec, ShapeOptions } from './message-codec.js';
import type { FrameBatch } from '../protocol/frame-batch.js';
import type { GrpcError } from '../protocol/grpc-error.js';

/** One RPC: routing data plus the request/response codecs, all built at load time. */
export interface MethodDescriptor<Req = unknown, Res = unknown> {
  readonly path: string;
  readonly service: string;
  readonly name: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestType: string;
  readonly responseType: string;
  /** `reserve`: bytes left at the start for the caller, such as a gRPC frame prefix. */
  serializeRequest(value: Req, reserve?: number): Buffer;
  deserializeRequest(bytes: Uint8Array): Req;
  serializeResponse(value: Res, reserve?: number): Buffer;
  /** Appends the response to `batch` as one uncompressed frame; its length, or RESOURCE_EXHAUSTED past `maxLength`. */
  serializeResponseFrame(value: Res, batch: FrameBatch, maxLength?: number): number | GrpcError;
  deserializeResponse(bytes: Uint8Array): Res;
}

/** A service by fully qualified name; methods keyed by their name as written in the .proto. */
export interface ServiceDescriptor {
  readonly name: string;
  readonly methods: ReadonlyMap<string, MethodDescriptor>;
}

/** Every service of a set of loaded .proto files. */
export interface Schema {
  readonly services: ReadonlyMap<string, ServiceDescriptor>;
  /** Fully qualified name, or an unqualified one when unique; throws an Error naming it otherwise. */
  service(name: string): ServiceDescriptor;
  /** Method by request path '/pkg.Service/Method'. */
  method(path: string): MethodDescriptor | undefined;
}

/** Builds the Schema of a Root on which resolveAll() has run. */
export function describeRoot(root: Root, options?: ShapeOptions): Schema {
  const shape = resolveShape(options);
  useProtoLoaderSemanticsThroughout(root);
  // One codec per message type, shared by every method that uses it.
  const codecs = new Map<Type, MessageCodec>();
  const codecOf = (type: Type | null, method: Method): MessageCodec => {
    if (type === null) throw new Error(`Unresolved message type in method ${method.fullName.slice(1)}`);
    let codec = codecs.get(type);
    if (codec === undefined) {
      codec = createMessageCodec(type, shape);
      codecs.set(type, codec);
    }
    return codec;
  };

  const services = new Map<string, ServiceDescriptor>();
  const methods = new Map<string, MethodDescriptor>();
  for (const service of findServices(root)) {
    const serviceName = service.fullName.slice(1);
    const byName = new Map<string, MethodDescriptor>();
    for (const method of service.methodsArray) {
      const request = codecOf(method.resolvedRequestType, method);
      const response = codecOf(method.resolvedResponseType, method);
      const descriptor: MethodDescriptor = Object.freeze({
        path: `/${serviceName}/${method.name}`,
        service: serviceName,
        name: method.name,
        requestStream: method.requestStream === true,
        responseStream: method.responseStream === true,
        requestType: request.typeName,
        responseType: response.typeName,
        serializeRequest: request.serialize,
        deserializeRequest: request.deserialize,
        serializeResponse: response.serialize,
        serializeResponseFrame: response.serializeFrame,
        deserializeResponse: response.deserialize,
      });
      recordServiceSource(descriptor, service);
      byName.set(method.name, descriptor);
      methods.set(descriptor.path, descriptor);
    }
    const described: ServiceDescriptor = Object.freeze({ name: serviceName, methods: byName });
    recordServiceSource(described, service);
    services.set(serviceName, described);
  }
  return createSchema(services, methods);
}

/** A Schema over services and methods already described. */
export function createSchema(
  services: ReadonlyMap<string, ServiceDescriptor>,
  methods: ReadonlyMap<string, MethodDescriptor>,
): Schema {
  return Object.freeze({
    services,
    service(name: string): ServiceDescriptor {
      const wanted = name.startsWith('.') ? name.slice(1) : name;
      const exact = services.get(wanted);
      if (exact !== undefined) return exact;
      const matches = [...services.values()].filter((s) => s.name.endsWith(`.${wanted}`));
      if (matches.length === 1) return matches[0]!;
      const known = [...services.keys()].join(', ') || 'none';
      if (matches.length === 0) {
        throw new Error(`Service "${name}" is not defined in the loaded protos (known: ${known})`);
      }
      const names = matches.map((s) => s.name).join(', ');
      throw new Error(`Service name "${name}" is ambiguous: use the fully qualified name (${names})`);
    },
    method(path: string): MethodDescriptor | undefined {
      return methods.get(path);
    },
  });
}

// Services live in packages (Namespaces) only; messages cannot nest services, so Types are not descended.
function findServices(namespace: NamespaceBase, found: Service[] = []): Service[] {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof Service) found.push(nested);
    else if (nested instanceof Namespace) findServices(nested, found);
  }
  return found;
}

/**
 * True when the response type has no fields (google.protobuf.Empty): its codec takes undefined, as proto-loader's
 * does, so nothing is a valid answer. Probed only when a handler answered nothing.
 */
export function takesNoValue(method: MethodDescriptor): boolean {
  try {
    method.serializeResponse(undefined);
    return true;
  } catch {
    return false;
  }
}
