// Per-message-type serialize/deserialize over protobufjs reflection, built once per type at load time.
// The JS shape is @grpc/proto-loader's with grpc.io's Node example options.
//
// JS shape of a deserialized message (defaults; each is a LoadOptions knob with proto-loader's name and meaning):
//   field names    as written in the .proto (keepCase: true; false gives lowerCamelCase, applied while parsing)
//   int64 family   decimal strings '-12' (longs: String; Number gives numbers, unsafe beyond 2^53)
//   enums          value names 'RED' (enums: String; Number gives numbers); unknown numbers stay numbers
//   bytes          Buffer (bytes: Buffer; String gives base64, Array number arrays)
//   unset fields   present with their default: 0, '', false, first enum name, empty Buffer, '0' (defaults: true);
//                  unset message fields are null; repeated [] (arrays) and map {} (objects)
//   oneofs         the set member only, plus a virtual property named after the oneof holding the member's name
//                  (oneofs: true); proto3 `optional` fields get one too, named '_' + field
//   well-known     plain messages: Timestamp is { seconds: '1700000000', nanos: 5 }, no Date conversion; they come
//                  pre-parsed from protobufjs, so google.protobuf.Value keeps its camelCase fields (stringValue,
//                  numberValue, ...) whatever keepCase says, while Any is { type_url, value }: as with proto-loader
//   json           off; on, NaN and Infinity read as strings and an Any of a loaded type as { '@type', ...fields }
// Serialization takes what proto-loader's does (Type.fromObject): enums as names or numbers, longs as string, number
// or Long, bytes as Buffer, Uint8Array or base64 string; unknown keys are ignored. A non-object throws TypeError.
// A field given explicitly is written even at its zero value and read back as set, as protobufjs 7 does (see
// proto-loader-semantics.ts): with defaults off, `{ id: 0 }` arrives as `{ id: 0 }`, not `{}`.

import { Type, Writer } from 'protobufjs';
import type { IConversionOptions, Message } from 'protobufjs';
import { asBuffer } from '../memory/buffer-view.js';
import type { FrameBatch } from '../protocol/frame-batch.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import { useProtoLoaderSemantics } from './proto-loader-semantics.js';

/** How deserialized messages look; proto-loader option names and meanings. */
export interface ShapeOptions {
  /** String, Number, or null for Long objects (what proto-loader gives when the option is unset). */
  longs?: typeof String | typeof Number | null;
  enums?: typeof String | typeof Number;
  /** Buffer, String (base64) or Array (plain number arrays). */
  bytes?: typeof Buffer | typeof String | typeof Array;
  defaults?: boolean;
  arrays?: boolean;
  objects?: boolean;
  oneofs?: boolean;
  /** NaN and Infinity as strings in float fields, Any with a known type_url as { '@type', ...fields }. */
  json?: boolean;
}

/** Serialize/deserialize for one message type; plain functions, safe to call unbound. */
export interface MessageCodec<T = unknown> {
  readonly typeName: string;
  /** Encodes `value` after `reserve` bytes left for the caller (a frame prefix), so framing needs no copy. */
  serialize(value: T, reserve?: number): Buffer;
  /** Appends `value` to `batch` as one uncompressed gRPC frame; returns its length (the frame is dropped past `maxLength`). */
  serializeFrame(value: T, batch: FrameBatch, maxLength?: number): number | GrpcError;
  deserialize(bytes: Uint8Array): T;
}

/** The toObject options for a LoadOptions-style input; build once and reuse for every message. */
export function resolveShape(options: ShapeOptions = {}): Required<ShapeOptions> {
  return {
    // null passes through: protobufjs gives Long objects for any value other than String and Number.
    longs: options.longs === undefined ? String : options.longs,
    enums: options.enums ?? String,
    bytes: options.bytes ?? Buffer,
    defaults: options.defaults ?? true,
    arrays: options.arrays ?? true,
    objects: options.objects ?? true,
    oneofs: options.oneofs ?? true,
    json: options.json ?? false,
  };
}

/** Builds the codec for one resolved protobufjs Type; `shape` comes from resolveShape and is shared, not copied. */
export function createMessageCodec<T = unknown>(type: Type, shape: Readonly<Required<ShapeOptions>>): MessageCodec<T> {
  const typeName = type.fullName.slice(1);
  // Types with no fields (google.protobuf.Empty) accept undefined/null, as proto-loader's fromObject does,
  // so a handler returning nothing still answers an Empty response.
  const acceptsNothing = type.fieldsArray.length === 0;
  useProtoLoaderSemantics(type);

  const toMessage = (value: T): Message<{}> | Record<string, never> => {
    if (value === null || value === undefined) {
      if (acceptsNothing) return {};
    } else if (typeof value === 'object' && !Array.isArray(value)) {
      return type.fromObject(value);
    }
    const got = kindOf(value);
    throw new TypeError(`Failed to serialize message: expected object with ${typeName} structure, got ${got} instead`);
  };
  const serialize = (value: T, reserve = 0): Buffer => encode(type, toMessage(value), reserve);
  const serializeFrame = (value: T, batch: FrameBatch, maxLength = Infinity): number | GrpcError =>
    batch.append(type, toMessage(value), maxLength);

  // Throws on malformed bytes (protobufjs RangeError/Error); callers map that to a status.
  const conversion: IConversionOptions = { ...shape, longs: shape.longs ?? undefined };
  // protobufjs reads a Buffer with BufferReader, so bytes fields come out as Buffers (views into the input, as
  // with grpc-js) rather than plain Uint8Arrays.
  const deserialize = (bytes: Uint8Array): T => type.toObject(type.decode(asBuffer(bytes)), conversion) as T;

  return { typeName, serialize, serializeFrame, deserialize };
}

// protobufjs 8's writer grows one buffer; finish(true) returns a view of it instead of a copy, which is safe
// because every call has its own writer. Reserved bytes are written as zero varints, one byte each.
function encode(type: Type, message: Message<{}> | Record<string, never>, reserve: number): Buffer {
  const writer = Writer.create();
  for (let i = 0; i < reserve; i++) writer.uint32(0);
  return asBuffer(type.encode(message, writer).finish(true));
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
