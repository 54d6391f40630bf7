// A Root described as @grpc/proto-loader's PackageDefinition, for code written against one (Nest's
// onLoadPackageDefinition hooks: @grpc/reflection reads `fileDescriptorProtos`, grpc-health-check adds services).
// Same entries and shape as proto-loader's createPackageDefinition; codecs are the Schema's.
import { createRequire } from 'node:module';
import { Enum, Namespace, Service, Type } from 'protobufjs';
import type { NamespaceBase, ReflectionObject, Root } from 'protobufjs';
import type * as Descriptors from 'protobufjs/ext/descriptor.js';
import type { Schema } from './descriptors.js';
import type { GrpcJsMethodDefinition, GrpcJsServiceDefinition, PackageDefinition, ProtobufTypeDefinition } from './grpc-js-definition.js';
import { createMessageCodec, resolveShape } from './message-codec.js';
import type { ShapeOptions } from './message-codec.js';
import { lowerCamelCase } from './method-names.js';

// The extension is CommonJS assigning module.exports, whose names ESM cannot import; it adds toDescriptor() to Root,
// Type and Enum of the protobufjs instance we use.
const descriptors = createRequire(import.meta.url)('protobufjs/ext/descriptor.js') as typeof Descriptors;

// What proto-loader's toObject of a DescriptorProto uses (its `descriptorOptions`).
const DESCRIPTOR_OBJECT = { longs: String, enums: String, bytes: String, defaults: true, oneofs: true, json: true };

/** The PackageDefinition proto-loader would give for `root`, with `schema`'s codecs and message shapes. */
export function createPackageDefinition(root: Root, schema: Schema, options?: ShapeOptions): PackageDefinition {
  // Cast: a test peer's typings (grpc-js-reflection-client) declare another toDescriptor overload on Root.
  const files = (root.toDescriptor('proto3') as unknown as Descriptors.IFileDescriptorSet).file ?? [];
  const fileDescriptorProtos = files.map((file) => Buffer.from(descriptors.FileDescriptorProto.encode(file).finish()));
  const shape = resolveShape(options);
  const types = new Map<Type, ProtobufTypeDefinition>();
  const typeDefinition = (type: Type): ProtobufTypeDefinition => {
    let definition = types.get(type);
    if (definition === undefined) {
      const codec = createMessageCodec(type, shape);
      definition = { ...descriptorDefinitionOf(type, fileDescriptorProtos), serialize: codec.serialize, deserialize: codec.deserialize };
      types.set(type, definition);
    }
    return definition;
  };

  const definition: Record<string, GrpcJsServiceDefinition | ProtobufTypeDefinition> = {};
  for (const object of handledObjects(root)) {
    const name = object.fullName.slice(1);
    if (object instanceof Service) definition[name] = serviceDefinition(object, schema, typeDefinition);
    else if (object instanceof Type) definition[name] = typeDefinition(object);
    else if (object instanceof Enum) definition[name] = descriptorDefinitionOf(object, fileDescriptorProtos);
  }
  return definition;
}

function serviceDefinition(service: Service, schema: Schema, typeDefinition: (type: Type) => ProtobufTypeDefinition): GrpcJsServiceDefinition {
  const methods: Record<string, GrpcJsMethodDefinition> = {};
  for (const method of service.methodsArray) {
    const descriptor = schema.method(`/${service.fullName.slice(1)}/${method.name}`);
    if (descriptor === undefined) continue;
    methods[method.name] = {
      path: descriptor.path,
      requestStream: descriptor.requestStream,
      responseStream: descriptor.responseStream,
      requestSerialize: (value) => descriptor.serializeRequest(value),
      requestDeserialize: descriptor.deserializeRequest,
      responseSerialize: (value) => descriptor.serializeResponse(value),
      responseDeserialize: descriptor.deserializeResponse,
      originalName: lowerCamelCase(method.name),
      requestType: typeDefinition(method.resolvedRequestType!),
      responseType: typeDefinition(method.resolvedResponseType!),
    };
  }
  return methods;
}

// A definition's descriptor part: all of an enum's, a message's before typeDefinition adds its codec.
function descriptorDefinitionOf(type: Type | Enum, fileDescriptorProtos: readonly Buffer[]): ProtobufTypeDefinition {
  const descriptor = type.toDescriptor('proto3');
  return {
    format: type instanceof Type ? 'Protocol Buffer 3 DescriptorProto' : 'Protocol Buffer 3 EnumDescriptorProto',
    type: descriptor.$type.toObject(descriptor, DESCRIPTOR_OBJECT),
    fileDescriptorProtos,
  };
}

// As proto-loader: services, messages and enums reachable through packages; types nested in messages are not listed.
function handledObjects(namespace: NamespaceBase, found: ReflectionObject[] = []): ReflectionObject[] {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof Service || nested instanceof Type || nested instanceof Enum) found.push(nested);
    else if (nested instanceof Namespace) handledObjects(nested, found);
  }
  return found;
}
