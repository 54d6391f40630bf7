// Makes protobufjs 8's generated codecs behave as protobufjs 7's, the version inside @grpc/proto-loader, so messages
// are the objects and bytes grpc-js users get. Applied once per type, before its codecs are generated.
import { Enum, Namespace, Type } from 'protobufjs';
import type { Field, IConversionOptions, Message, NamespaceBase } from 'protobufjs';

/** The editions features protobufjs 8 resolves onto each Field and Enum; not in its typings. */
interface ResolvedFeatures {
  _features: { enum_type?: string; utf8_validation?: string };
}

type GeneratedToObject = (message: Message<{}>, options?: IConversionOptions, depth?: number) => Record<string, unknown>;

const adopted = new WeakSet<Type>();

/**
 * Rewrites the codecs of `type` and of every type reachable from it (nested codecs call each other's) with
 * protobufjs 7's rules; idempotent. Must run after resolveAll(): that pass would recompute the features.
 */
export function useProtoLoaderSemantics(type: Type): void {
  if (adopted.has(type)) return;
  adopted.add(type);
  for (const field of type.fieldsArray) {
    adoptField(field);
  }
  // setup() generates encode/decode/fromObject/toObject from the fields as they now read; it also discards
  // codecs generated earlier, should anything have used this type before us.
  type.setup();
  restoreOptionalOneofs(type);
  for (const field of type.fieldsArray) {
    if (field.resolvedType instanceof Type) useProtoLoaderSemantics(field.resolvedType);
  }
}

/**
 * useProtoLoaderSemantics for every type under `namespace`, nested ones included: a type referenced by no field
 * is still reached through google.protobuf.Any (json: true unpacks and packs it by name).
 */
export function useProtoLoaderSemanticsThroughout(namespace: NamespaceBase): void {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof Type) {
      useProtoLoaderSemantics(nested);
      useProtoLoaderSemanticsThroughout(nested);
    } else if (nested instanceof Namespace) {
      useProtoLoaderSemanticsThroughout(nested);
    }
  }
}

function adoptField(field: Field): void {
  // Root cause of vanishing zeros: protobufjs 8 gives proto3 scalars implicit presence, so fromObject leaves out
  // `id: 0`, encode skips it and decode drops it when another peer writes it. protobufjs 7 tracks a set field
  // whatever its value: grpc-js writes the explicit 0 and, with `defaults` off, reads it back as `id: 0`.
  // Reporting presence makes protobufjs 8 generate 7's code for the field (still valid proto3 on the wire).
  if (!field.repeated && !field.map && !field.hasPresence) {
    Object.defineProperty(field, 'hasPresence', { value: true });
  }
  const features = (field as unknown as ResolvedFeatures)._features;
  // protobufjs 7 never checks UTF-8, and grpc-js writes a lone surrogate as its 3-byte form; verifying would
  // fail calls that Transport.GRPC serves. Unchecked, such bytes read as protobufjs 7 reads them.
  if (field.type === 'string' && features.utf8_validation === 'VERIFY') {
    (field as unknown as ResolvedFeatures)._features = { ...features, utf8_validation: 'NONE' };
  }
  // protobufjs 7 treats every enum as open: a proto2 enum field keeps an unknown number instead of moving it
  // to unknown fields, on the way out and on the way in.
  if (field.resolvedType instanceof Enum) {
    const holder = field.resolvedType as unknown as ResolvedFeatures;
    if (holder._features.enum_type === 'CLOSED') holder._features = { ...holder._features, enum_type: 'OPEN' };
  }
}

// protobufjs 7 reports a set proto3 `optional` field through its synthetic oneof ('_x': 'x') when oneofs is on;
// protobufjs 8 dropped that. The extra work is one check per such field.
function restoreOptionalOneofs(type: Type): void {
  const synthetic = type.oneofsArray
    .filter((oneof) => oneof.isProto3Optional)
    .map((oneof) => [oneof.name, oneof.oneof[0]!] as const);
  if (synthetic.length === 0) return;
  // The generated function reads its scope, not `this` (wrappers come bound), and takes a nesting depth third.
  const toObject = type.toObject as GeneratedToObject;
  type.toObject = (message: Message<{}>, options?: IConversionOptions, depth?: number) => {
    const object = toObject(message, options, depth);
    if (options?.oneofs === true) {
      const fields = message as unknown as Record<string, unknown>;
      for (const [oneof, field] of synthetic) {
        if (fields[field] != null && Object.hasOwn(fields, field)) object[oneof] = field;
      }
    }
    return object;
  };
}
