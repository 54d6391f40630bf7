// grpc-js's service definitions (what @grpc/proto-loader and grpc-tools generate) read as our descriptors: paths,
// streaming flags, and the definition's own serialize/deserialize functions as the codec. Plain objects: no grpc-js.
import { asBuffer } from '../memory/buffer-view.js';
import type { FrameBatch } from '../protocol/frame-batch.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import { createSchema } from './descriptors.js';
import type { MethodDescriptor, Schema, ServiceDescriptor } from './descriptors.js';

/** A message or enum of a proto-loader PackageDefinition: its DescriptorProto and its files' serialized descriptors. */
export interface ProtobufTypeDefinition {
  readonly format: string;
  readonly type: object;
  readonly fileDescriptorProtos: readonly Buffer[];
  serialize?(value: unknown): Buffer;
  deserialize?(bytes: Buffer): unknown;
}

/** One method of a grpc-js ServiceDefinition. */
export interface GrpcJsMethodDefinition {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  requestSerialize(value: unknown): Uint8Array;
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(value: unknown): Uint8Array;
  responseDeserialize(bytes: Buffer): unknown;
  /** The lowerCamelCase alias an implementation may use instead of the .proto name. */
  readonly originalName?: string;
  readonly requestType?: ProtobufTypeDefinition;
  readonly responseType?: ProtobufTypeDefinition;
}

/** grpc-js's ServiceDefinition: methods keyed by their .proto name. */
export type GrpcJsServiceDefinition = Readonly<Record<string, GrpcJsMethodDefinition>>;

/** @grpc/proto-loader's PackageDefinition: services, messages and enums by fully qualified name. */
export type PackageDefinition = Readonly<Record<string, GrpcJsServiceDefinition | ProtobufTypeDefinition>>;

/** True for a grpc-js ServiceDefinition: every entry has a path and serialize/deserialize functions. */
export function isGrpcJsServiceDefinition(value: unknown): value is GrpcJsServiceDefinition {
  if (typeof value !== 'object' || value === null || value instanceof Map) return false;
  const methods = Object.values(value);
  return methods.length > 0 && methods.every(isGrpcJsMethodDefinition);
}

function isGrpcJsMethodDefinition(value: unknown): value is GrpcJsMethodDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const method = value as Partial<Record<keyof GrpcJsMethodDefinition, unknown>>;
  return typeof method.path === 'string' && typeof method.requestSerialize === 'function'
    && typeof method.requestDeserialize === 'function' && typeof method.responseSerialize === 'function'
    && typeof method.responseDeserialize === 'function';
}

/** The ServiceDescriptor of a grpc-js definition: its methods under their keys, with the definition's codec. */
export function describeGrpcJsService(definition: GrpcJsServiceDefinition): ServiceDescriptor {
  const methods = new Map<string, MethodDescriptor>();
  for (const [name, method] of Object.entries(definition)) methods.set(name, describeGrpcJsMethod(name, method));
  const [first] = methods.values();
  return Object.freeze({ name: first?.service ?? '', methods });
}

/**
 * The Schema of a proto-loader PackageDefinition, served and called with its own serialize/deserialize functions,
 * so messages look as the loader options it was loaded with say, as under Transport.GRPC.
 */
export function schemaOfPackageDefinition(definition: PackageDefinition): Schema {
  if (typeof definition !== 'object' || definition === null) throw new TypeError('packageDefinition must be a @grpc/proto-loader PackageDefinition');
  const services = new Map<string, ServiceDescriptor>();
  const methods = new Map<string, MethodDescriptor>();
  for (const [name, entry] of Object.entries(definition)) {
    if (!isGrpcJsServiceDefinition(entry)) continue;
    const service = { ...describeGrpcJsService(entry), name };
    services.set(name, Object.freeze(service));
    for (const method of service.methods.values()) methods.set(method.path, method);
  }
  return createSchema(services, methods);
}

function describeGrpcJsMethod(name: string, method: GrpcJsMethodDefinition): MethodDescriptor {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(method.path);
  if (match === null) throw new Error(`grpc-js method ${name} has an invalid path "${method.path}": expected /package.Service/Method`);
  return Object.freeze({
    path: method.path,
    service: match[1]!,
    name: match[2]!,
    requestStream: method.requestStream === true,
    responseStream: method.responseStream === true,
    requestType: typeNameOf(method.requestType),
    responseType: typeNameOf(method.responseType),
    serializeRequest: withReserve(method.requestSerialize),
    deserializeRequest: (bytes: Uint8Array) => method.requestDeserialize(asBuffer(bytes)),
    serializeResponse: withReserve(method.responseSerialize),
    serializeResponseFrame: (value: unknown, batch: FrameBatch, maxLength = Infinity): number | GrpcError =>
      batch.appendEncoded(method.responseSerialize(value), maxLength),
    deserializeResponse: (bytes: Uint8Array) => method.responseDeserialize(asBuffer(bytes)),
  });
}

// proto-loader's definitions carry the DescriptorProto, whose name is unqualified; grpc-tools' carry none.
function typeNameOf(type: ProtobufTypeDefinition | undefined): string {
  const name = (type?.type as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : '';
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
