// google.rpc.Status <-> bytes (the grpc-status-details-bin value), and the standard details of
// google/rpc/error_details.proto packed into / unpacked from google.protobuf.Any.
import type { Type } from 'protobufjs';
import { asBuffer } from '../memory/buffer-view.js';
import { googleRpcType } from './google-rpc-protos.js';

/** google.protobuf.Any: the packed message's type URL and its encoded bytes. */
export interface ProtoAny {
  typeUrl: string;
  value: Buffer;
}

/** google.rpc.Status: what grpc-status-details-bin carries. */
export interface RpcStatus {
  code: number;
  message: string;
  details: ProtoAny[];
}

/** google.protobuf.Duration; int64 seconds read as a number. */
export interface Duration { seconds: number; nanos: number }
export interface ErrorInfo { reason: string; domain: string; metadata: Record<string, string> }
export interface RetryInfo { retryDelay: Duration | null }
export interface DebugInfo { stackEntries: string[]; detail: string }
export interface QuotaViolation {
  subject: string; description: string; apiService: string; quotaMetric: string; quotaId: string;
  quotaDimensions: Record<string, string>; quotaValue: number; futureQuotaValue?: number;
}
export interface QuotaFailure { violations: QuotaViolation[] }
export interface PreconditionViolation { type: string; subject: string; description: string }
export interface PreconditionFailure { violations: PreconditionViolation[] }
export interface LocalizedMessage { locale: string; message: string }
export interface FieldViolation { field: string; description: string; reason: string; localizedMessage: LocalizedMessage | null }
export interface BadRequest { fieldViolations: FieldViolation[] }
export interface RequestInfo { requestId: string; servingData: string }
export interface ResourceInfo { resourceType: string; resourceName: string; owner: string; description: string }
export interface HelpLink { description: string; url: string }
export interface Help { links: HelpLink[] }

/** The standard details by their google.rpc message name, as unpacked (every field present, unset ones empty). */
export interface StandardDetails {
  ErrorInfo: ErrorInfo;
  RetryInfo: RetryInfo;
  DebugInfo: DebugInfo;
  QuotaFailure: QuotaFailure;
  PreconditionFailure: PreconditionFailure;
  BadRequest: BadRequest;
  RequestInfo: RequestInfo;
  ResourceInfo: ResourceInfo;
  Help: Help;
  LocalizedMessage: LocalizedMessage;
}
export type StandardDetailName = keyof StandardDetails;

/** What packDetail takes: any subset of the fields, at every depth; int64 fields also as decimal strings. */
export type DetailInit<T> = {
  [K in keyof T]?: T[K] extends readonly (infer E)[] ? DetailInit<E>[]
    : T[K] extends number ? number | string
    : T[K] extends object | null ? DetailInit<NonNullable<T[K]>> | null
    : T[K];
};

/** One unpacked standard detail, tagged with its message name. */
export type StandardDetail = { [N in StandardDetailName]: { type: N; value: StandardDetails[N] } }[StandardDetailName];

const DETAIL_NAMES: ReadonlySet<string> = new Set<StandardDetailName>([
  'ErrorInfo', 'RetryInfo', 'DebugInfo', 'QuotaFailure', 'PreconditionFailure', 'BadRequest', 'RequestInfo',
  'ResourceInfo', 'Help', 'LocalizedMessage',
]);

// Unpacked shape: lowerCamelCase, every field present, int64 as numbers, no oneof virtuals (so proto3
// `optional` fields appear only when set).
const TO_OBJECT = { longs: Number, defaults: true, arrays: true, objects: true } as const;

/** 'type.googleapis.com/google.rpc.<name>', the type URL every gRPC implementation packs these with. */
export function detailTypeUrl(type: StandardDetailName): string {
  return `type.googleapis.com/google.rpc.${type}`;
}

/** Packs a standard detail as google.protobuf.Any; throws TypeError when a field has the wrong type. */
export function packDetail<N extends StandardDetailName>(type: N, value: DetailInit<StandardDetails[N]>): ProtoAny {
  return { typeUrl: detailTypeUrl(type), value: encodeMessage(googleRpcType(`google.rpc.${type}`), value) };
}

/** The standard message name an Any holds (the type URL's last segment), or undefined for other types. */
export function detailTypeOf(packed: ProtoAny): StandardDetailName | undefined {
  const fullName = packed.typeUrl.slice(packed.typeUrl.lastIndexOf('/') + 1);
  if (!fullName.startsWith('google.rpc.')) return undefined;
  const name = fullName.slice('google.rpc.'.length);
  return DETAIL_NAMES.has(name) ? (name as StandardDetailName) : undefined;
}

/** The detail as `type`, or undefined when the Any holds another type; throws when its bytes do not decode. */
export function unpackDetail<N extends StandardDetailName>(packed: ProtoAny, type: N): StandardDetails[N] | undefined {
  if (detailTypeOf(packed) !== type) return undefined;
  const messageType = googleRpcType(`google.rpc.${type}`);
  return messageType.toObject(messageType.decode(packed.value), TO_OBJECT) as StandardDetails[N];
}

/** Every standard detail in `details`, in order; other types and undecodable ones are left out. */
export function unpackDetails(details: readonly ProtoAny[]): StandardDetail[] {
  const unpacked: StandardDetail[] = [];
  for (const packed of details) {
    const type = detailTypeOf(packed);
    if (type === undefined) continue;
    try {
      unpacked.push({ type, value: unpackDetail(packed, type) } as StandardDetail);
    } catch {
      // A peer's malformed detail must not hide the others (or the status itself).
    }
  }
  return unpacked;
}

/** Encodes a google.rpc.Status: the bytes of grpc-status-details-bin. */
export function encodeRpcStatus(status: { code: number; message: string; details?: readonly ProtoAny[] }): Buffer {
  const details = (status.details ?? []).map((packed) => ({ type_url: packed.typeUrl, value: packed.value }));
  return encodeMessage(googleRpcType('google.rpc.Status'), { code: status.code, message: status.message, details });
}

/** Decodes a google.rpc.Status; throws on bytes that are not one. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  const type = googleRpcType('google.rpc.Status');
  const decoded = type.toObject(type.decode(bytes), TO_OBJECT) as {
    code: number; message: string; details: Array<{ type_url: string; value: Uint8Array }>;
  };
  return {
    code: decoded.code,
    message: decoded.message,
    details: decoded.details.map((packed) => ({ typeUrl: packed.type_url, value: asBuffer(packed.value) })),
  };
}

function encodeMessage(type: Type, value: unknown): Buffer {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${type.name}: expected an object`);
  return asBuffer(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
}
