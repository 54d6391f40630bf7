// One protobufjs definition -> its descriptor.proto message, as protoc writes it: protobufjs/ext/descriptor's
// toDescriptor, then the fixes reflection clients need (type names fully qualified, map entries named
// `<Field>Entry`, extensions declared in a message moved out of its fields, extension twins left out).
import 'protobufjs/ext/descriptor.js';
import type { IDescriptorProto, IFieldDescriptorProto } from 'protobufjs/ext/descriptor.js';
import { Field, MapField, Type } from 'protobufjs';
import type { Enum, FieldBase, Service } from 'protobufjs';

/** A message type, its nested types and their fields, with every type reference fully qualified. */
export function descriptorProtoOf(type: Type, edition: string): IDescriptorProto {
  const descriptor = type.toDescriptor(edition);
  fixType(descriptor, type);
  return descriptor;
}

/** An extension field declared at package level. */
export function describeExtension(field: Field, edition: string): IFieldDescriptorProto {
  const descriptor = field.toDescriptor(edition);
  qualifyFieldType(descriptor, field);
  return descriptor;
}

export function describeEnum(enumeration: Enum): ReturnType<Enum['toDescriptor']> {
  return enumeration.toDescriptor();
}

export function describeService(service: Service): ReturnType<Service['toDescriptor']> {
  return service.toDescriptor();
}

function fixType(descriptor: IDescriptorProto, type: Type): void {
  const fields = descriptor.field ?? [];
  const own = fields.slice(0, type.fieldsArray.length);
  // toDescriptor lists extensions declared inside the message after its own fields; protoc keeps them apart.
  const declaredExtensions = fields.slice(type.fieldsArray.length);
  const kept: IFieldDescriptorProto[] = [];
  type.fieldsArray.forEach((field, index) => {
    const fieldDescriptor = own[index]!;
    // resolveAll adds each extension to the extended type as a twin named by its full name; it is not a field.
    if (field.declaringField !== null && field.declaringField !== undefined) return;
    if (field instanceof MapField) fixMapField(descriptor, fieldDescriptor, field, type);
    else qualifyFieldType(fieldDescriptor, field);
    kept.push(fieldDescriptor);
  });
  descriptor.field = kept;
  if (declaredExtensions.length > 0) {
    // The Fields among a message's nested definitions are exactly those extensions, in the same order.
    const extensionFields = type.nestedArray.filter((nested): nested is Field => nested instanceof Field);
    declaredExtensions.forEach((extension, index) => {
      const field = extensionFields[index];
      if (field !== undefined) qualifyFieldType(extension, field);
    });
    descriptor.extension = declaredExtensions;
  }
  for (const nested of type.nestedArray) {
    if (!(nested instanceof Type)) continue;
    const nestedDescriptor = descriptor.nestedType?.find((candidate) => candidate.name === nested.name && candidate.options?.mapEntry !== true);
    if (nestedDescriptor !== undefined) fixType(nestedDescriptor, nested);
  }
}

// protoc names a map's entry type after the field as written, in CamelCase, with 'Entry' (descriptor.proto, map_entry).
function fixMapField(descriptor: IDescriptorProto, fieldDescriptor: IFieldDescriptorProto, field: MapField, type: Type): void {
  const entryName = `${camelCase(protoName(field))}Entry`;
  const entry = descriptor.nestedType?.find((candidate) => candidate.options?.mapEntry === true && candidate.name === fieldDescriptor.typeName);
  if (entry !== undefined) {
    entry.name = entryName;
    const value = entry.field?.find((candidate) => candidate.number === 2);
    if (value !== undefined && field.resolvedType !== null) value.typeName = field.resolvedType.fullName;
  }
  fieldDescriptor.typeName = `${type.fullName}.${entryName}`;
  dropDefaultJsonName(fieldDescriptor);
}

function qualifyFieldType(descriptor: IFieldDescriptorProto, field: FieldBase): void {
  if (field.resolvedType !== null && field.resolvedType !== undefined) descriptor.typeName = field.resolvedType.fullName;
  dropDefaultJsonName(descriptor);
}

// json_name only when the .proto set its own: clients derive the default, and some (protobufjs's fromDescriptor,
// so grpc-js-reflection-client) would otherwise rename every field to lowerCamelCase, unlike @grpc/reflection.
function dropDefaultJsonName(descriptor: IFieldDescriptorProto): void {
  if (descriptor.jsonName === defaultJsonName(descriptor.name ?? '')) delete descriptor.jsonName;
}

// descriptor.proto's default json_name: underscores dropped, the letter after each one upper-cased.
function defaultJsonName(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()).replace(/_/g, '');
}

// keepCase false renames fields to lowerCamelCase; protobufjs keeps the name as written in protoName.
function protoName(field: FieldBase): string {
  const named = (field as FieldBase & { protoName?: string }).protoName;
  return named ?? field.name;
}

function camelCase(name: string): string {
  return name.replace(/(?:^|_)([a-z0-9])/gi, (_, letter: string) => letter.toUpperCase()).replace(/_/g, '');
}
