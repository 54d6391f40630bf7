// A resolved protobufjs Root split back into its .proto files for grpc.reflection: one FileDescriptorProto per
// file (not per package, as Root#toDescriptor and proto-loader give), each listing the files it imports, plus
// the symbol and extension indexes ServerReflectionInfo answers from.
import descriptorExt from 'protobufjs/ext/descriptor.js';
import type { IDescriptorProto, IEnumDescriptorProto, IFieldDescriptorProto, IServiceDescriptorProto } from 'protobufjs/ext/descriptor.js';
import { Enum, Field, Namespace, Service, Type } from 'protobufjs';
import type { NamespaceBase, ReflectionObject, Root } from 'protobufjs';
import { describeEnum, describeExtension, describeService, descriptorProtoOf } from './definition-descriptors.js';
import { FileNamer } from './file-names.js';

/** One .proto file: its encoded FileDescriptorProto and the files it imports. */
export interface ProtoFile {
  readonly name: string;
  readonly encoded: Uint8Array;
  readonly dependencies: readonly string[];
}

/** What reflection serves from one Root. */
export interface ProtoFileSet {
  readonly files: ReadonlyMap<string, ProtoFile>;
  /** File name by fully qualified symbol (no leading dot): messages, fields, enums, values, services, methods, extensions. */
  readonly symbols: ReadonlyMap<string, string>;
  /** File name by extended message (no leading dot), then by extension field number. */
  readonly extensions: ReadonlyMap<string, ReadonlyMap<number, string>>;
}

interface Draft {
  readonly name: string;
  readonly packageName: string;
  readonly edition: string;
  readonly messageType: IDescriptorProto[];
  readonly enumType: IEnumDescriptorProto[];
  readonly service: IServiceDescriptorProto[];
  readonly extension: IFieldDescriptorProto[];
  readonly dependencies: Set<string>;
}

/** Splits `root` (resolveAll done) into its files. */
export function describeProtoFiles(root: Root): ProtoFileSet {
  const names = new FileNamer(root);
  const drafts = new Map<string, Draft>();
  const symbols = new Map<string, string>();
  const extensions = new Map<string, Map<number, string>>();

  const draftOf = (definition: ReflectionObject, parent: NamespaceBase): Draft => {
    const name = names.fileOf(definition);
    let draft = drafts.get(name);
    if (draft === undefined) {
      const edition = (definition as ReflectionObject & { _edition?: string })._edition ?? 'proto3';
      draft = { name, packageName: parent.fullName.slice(1), edition, messageType: [], enumType: [], service: [], extension: [], dependencies: new Set() };
      drafts.set(name, draft);
    }
    return draft;
  };
  const depend = (draft: Draft, target: ReflectionObject | null | undefined): void => {
    if (target !== null && target !== undefined) draft.dependencies.add(names.fileOf(target));
  };
  const indexExtension = (draft: Draft, field: Field): void => {
    symbols.set(field.fullName.slice(1), draft.name);
    const extendee = field.extensionField?.parent;
    depend(draft, extendee);
    depend(draft, field.resolvedType);
    if (extendee === null || extendee === undefined) return;
    const byNumber = extensions.get(extendee.fullName.slice(1)) ?? new Map<number, string>();
    byNumber.set(field.id, draft.name);
    extensions.set(extendee.fullName.slice(1), byNumber);
  };
  const indexType = (draft: Draft, type: Type): void => {
    symbols.set(type.fullName.slice(1), draft.name);
    for (const field of type.fieldsArray) {
      if (field.declaringField !== null && field.declaringField !== undefined) continue;
      symbols.set(`${type.fullName.slice(1)}.${field.name}`, draft.name);
      depend(draft, field.resolvedType);
    }
    for (const oneof of type.oneofsArray) symbols.set(oneof.fullName.slice(1), draft.name);
    for (const nested of type.nestedArray) {
      if (nested instanceof Type) indexType(draft, nested);
      else if (nested instanceof Enum) indexEnum(draft, nested);
      else if (nested instanceof Field) indexExtension(draft, nested);
    }
  };
  const indexEnum = (draft: Draft, enumeration: Enum): void => {
    symbols.set(enumeration.fullName.slice(1), draft.name);
    // Enum values are siblings of their enum in protobuf's scoping (C++ rules).
    const scope = enumeration.parent?.fullName.slice(1) ?? '';
    for (const value of Object.keys(enumeration.values)) symbols.set(scope === '' ? value : `${scope}.${value}`, draft.name);
  };

  const visit = (namespace: NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof Type) {
        const draft = draftOf(nested, namespace);
        draft.messageType.push(descriptorProtoOf(nested, draft.edition));
        indexType(draft, nested);
      } else if (nested instanceof Enum) {
        const draft = draftOf(nested, namespace);
        draft.enumType.push(describeEnum(nested));
        indexEnum(draft, nested);
      } else if (nested instanceof Service) {
        const draft = draftOf(nested, namespace);
        draft.service.push(describeService(nested));
        symbols.set(nested.fullName.slice(1), draft.name);
        for (const method of nested.methodsArray) {
          symbols.set(method.fullName.slice(1), draft.name);
          depend(draft, method.resolvedRequestType);
          depend(draft, method.resolvedResponseType);
        }
      } else if (nested instanceof Field) {
        const draft = draftOf(nested, namespace);
        draft.extension.push(describeExtension(nested, draft.edition));
        indexExtension(draft, nested);
      } else if (nested instanceof Namespace) {
        visit(nested);
      }
    }
  };
  visit(root);

  const files = new Map<string, ProtoFile>();
  for (const draft of drafts.values()) files.set(draft.name, encodeDraft(draft));
  return { files, symbols, extensions };
}

function encodeDraft(draft: Draft): ProtoFile {
  draft.dependencies.delete(draft.name);
  const dependencies = [...draft.dependencies].sort();
  const file = descriptorExt.FileDescriptorProto.create({
    name: draft.name,
    dependency: dependencies,
    messageType: draft.messageType,
    enumType: draft.enumType,
    service: draft.service,
    extension: draft.extension,
  });
  if (draft.packageName !== '') file.package = draft.packageName;
  // protoc leaves syntax unset for proto2; editions name theirs by number.
  if (draft.edition === 'proto3') file.syntax = 'proto3';
  else if (draft.edition !== 'proto2') {
    file.syntax = 'editions';
    file.edition = EDITIONS[draft.edition] ?? 0;
  }
  return { name: draft.name, encoded: descriptorExt.FileDescriptorProto.encode(file).finish(), dependencies };
}

// descriptor.proto's Edition numbers.
const EDITIONS: Readonly<Record<string, number>> = { 2023: 1000, 2024: 1001 };
