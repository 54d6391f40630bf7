// The reference google.rpc codec of the tests: protobufjs loading the published .proto files (protos/google/rpc),
// as a grpc-js user builds and reads grpc-status-details-bin; it shares no code with lib/protocol/status-details.ts.
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

const PROTO_DIR = fileURLToPath(new URL('../../../test/equivalence/protos/google/rpc/', import.meta.url));
const TYPE_PREFIX = 'type.googleapis.com/google.rpc.';
const TO_OBJECT = { longs: Number, defaults: true, arrays: true, objects: true };

/** A detail as the tests state it: a google.rpc message name and its fields (lowerCamelCase). */
export interface DetailSpec {
  readonly type: string;
  readonly value: Record<string, unknown>;
}

/** A google.rpc.Status as a client decoded it: each detail's type URL and fields (int64 as numbers). */
export interface DecodedStatus {
  readonly code: number;
  readonly message: string;
  readonly details: ReadonlyArray<{ readonly typeUrl: string; readonly value: unknown }>;
}

let root: protobuf.Root | undefined;
function type(name: string): protobuf.Type {
  root ??= new protobuf.Root().loadSync([`${PROTO_DIR}status.proto`, `${PROTO_DIR}error_details.proto`], { keepCase: false });
  return root.lookupType(name);
}

/** The bytes protobufjs encodes for one detail message. */
export function referenceEncodeDetail(detail: DetailSpec): Buffer {
  const messageType = type(`google.rpc.${detail.type}`);
  return Buffer.from(messageType.encode(messageType.fromObject(detail.value)).finish());
}

/** grpc-status-details-bin for a status with these details, packed as Any with the googleapis type URL. */
export function referenceEncodeStatus(code: number, message: string, details: readonly DetailSpec[]): Buffer {
  const status = type('google.rpc.Status');
  const packed = details.map((detail) => ({ type_url: `${TYPE_PREFIX}${detail.type}`, value: referenceEncodeDetail(detail) }));
  return Buffer.from(status.encode(status.fromObject({ code, message, details: packed })).finish());
}

/** Decodes grpc-status-details-bin, and every google.rpc detail in it. */
export function referenceDecodeStatus(bytes: Uint8Array): DecodedStatus {
  const status = type('google.rpc.Status');
  const decoded = status.toObject(status.decode(bytes), TO_OBJECT) as {
    code: number; message: string; details: Array<{ type_url: string; value: Uint8Array }>;
  };
  const details = decoded.details.map((packed) => {
    if (!packed.type_url.startsWith(TYPE_PREFIX)) return { typeUrl: packed.type_url, value: Buffer.from(packed.value) };
    const detailType = type(`google.rpc.${packed.type_url.slice(TYPE_PREFIX.length)}`);
    return { typeUrl: packed.type_url, value: detailType.toObject(detailType.decode(packed.value), TO_OBJECT) };
  });
  return { code: decoded.code, message: decoded.message, details };
}
