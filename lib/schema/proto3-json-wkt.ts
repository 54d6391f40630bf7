// The well-known types' own JSON forms (proto3 JSON mapping table): Timestamp, Duration, the wrappers, Struct,
// Value, ListValue, FieldMask, Any and Empty. Fields are found by number, so roots loaded with or without
// keepCase read the same.
import { Type } from 'protobufjs';
import type { Message } from 'protobufjs';
import type { JsonValue } from './proto3-json.js';
import { scalarFromJson, scalarToJson } from './proto3-json.js';

type ToJson = (type: Type, message: Message | Record<string, unknown>) => JsonValue;
type FromJson = (type: Type, json: unknown) => Record<string, unknown>;

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue']);

function name(type: Type, id: number): string {
  const field = type.fieldsById[id];
  if (field === undefined) throw new Error(`${type.fullName} has no field ${id}`);
  return field.name;
}

function wellKnown(type: Type): string | undefined {
  const full = type.fullName;
  return full.startsWith('.google.protobuf.') ? full.slice('.google.protobuf.'.length) : undefined;
}

/** The JSON of a well-known type's message; undefined for other types. */
export function wellKnownToJson(type: Type, message: Record<string, unknown>, toJson: ToJson): JsonValue | undefined {
  const kind = wellKnown(type);
  if (kind === undefined) return undefined;
  const get = (id: number): unknown => message[name(type, id)];
  switch (kind) {
    case 'Timestamp': return formatTimestamp(toNumber(get(1)), toNumber(get(2)));
    case 'Duration': return formatDuration(toNumber(get(1)), toNumber(get(2)));
    case 'Empty': return {};
    case 'FieldMask': return ((get(1) ?? []) as string[]).map((path) => path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())).join(',');
    case 'Struct': {
      const valueType = type.fieldsById[1]!.resolve().resolvedType as Type;
      const fields = (get(1) ?? {}) as Record<string, Message>;
      return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, toJson(valueType, value)]));
    }
    case 'ListValue': {
      const valueType = type.fieldsById[1]!.resolve().resolvedType as Type;
      return ((get(1) ?? []) as Message[]).map((value) => toJson(valueType, value));
    }
    case 'Value': return valueToJson(type, message, toJson);
    case 'Any': return anyToJson(type, message, toJson);
    default:
      if (WRAPPERS.has(kind)) return scalarToJson(type.fieldsById[1]!.type, get(1) ?? defaultScalar(type.fieldsById[1]!.type));
      return undefined;
  }
}

// Long values (protobufjs decodes int64 so) have no valueOf.
function toNumber(value: unknown): number {
  if (typeof value === 'object' && value !== null && 'toNumber' in value) return (value as { toNumber(): number }).toNumber();
  return Number(value ?? 0);
}

function defaultScalar(type: string): unknown {
  if (type === 'bool') return false;
  if (type === 'string') return '';
  if (type === 'bytes') return new Uint8Array(0);
  return 0;
}

function valueToJson(type: Type, message: Record<string, unknown>, toJson: ToJson): JsonValue {
  for (const id of [1, 2, 3, 4, 5, 6]) {
    const field = type.fieldsById[id]!.resolve();
    if (!Object.prototype.hasOwnProperty.call(message, field.name) || message[field.name] === undefined || message[field.name] === null) continue;
    const value = message[field.name];
    if (id === 1) return null;
    if (id === 2) {
      if (!Number.isFinite(value)) throw new Error('google.protobuf.Value cannot hold NaN or Infinity in JSON');
      return value as number;
    }
    if (id === 3 || id === 4) return value as string | boolean;
    return toJson(field.resolvedType as Type, value as Message);
  }
  throw new Error('google.protobuf.Value has no kind set');
}

function anyToJson(type: Type, message: Record<string, unknown>, toJson: ToJson): JsonValue {
  const url = String(message[name(type, 1)] ?? '');
  if (url === '') return {};
  const embedded = type.root.lookupType(url.slice(url.lastIndexOf('/') + 1));
  const json = toJson(embedded, embedded.decode(message[name(type, 2)] as Uint8Array));
  if (wellKnown(embedded) !== undefined) return { '@type': url, value: json };
  return { '@type': url, ...(json as Record<string, JsonValue>) };
}

/** A well-known type's JSON -> the object fromObject takes; undefined for other types. */
export function wellKnownFromJson(type: Type, json: unknown, fromJson: FromJson): Record<string, unknown> | undefined {
  const kind = wellKnown(type);
  if (kind === undefined) return undefined;
  switch (kind) {
    case 'Timestamp': return pair(type, parseTimestamp(json));
    case 'Duration': return pair(type, parseDuration(json));
    case 'Empty':
      if (typeof json !== 'object' || json === null || Array.isArray(json) || Object.keys(json).length > 0) throw new Error('Empty: expected {}');
      return {};
    case 'FieldMask':
      if (typeof json !== 'string') throw new Error('FieldMask: expected a string');
      return { [name(type, 1)]: json === '' ? [] : json.split(',').map((path) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) };
    case 'Struct': {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('Struct: expected an object');
      const valueType = type.fieldsById[1]!.resolve().resolvedType as Type;
      return { [name(type, 1)]: Object.fromEntries(Object.entries(json).map(([key, value]) => [key, fromJson(valueType, value)])) };
    }
    case 'ListValue': {
      if (!Array.isArray(json)) throw new Error('ListValue: expected an array');
      const valueType = type.fieldsById[1]!.resolve().resolvedType as Type;
      return { [name(type, 1)]: json.map((value: unknown) => fromJson(valueType, value)) };
    }
    case 'Value': return valueFromJson(type, json, fromJson);
    case 'Any': return anyFromJson(type, json, fromJson);
    default:
      if (WRAPPERS.has(kind)) return { [name(type, 1)]: scalarFromJson(type.fieldsById[1]!.type, json, kind) };
      return undefined;
  }
}

function pair(type: Type, [seconds, nanos]: [number, number]): Record<string, unknown> {
  return { [name(type, 1)]: String(seconds), [name(type, 2)]: nanos };
}

function valueFromJson(type: Type, json: unknown, fromJson: FromJson): Record<string, unknown> {
  const field = (id: number): string => name(type, id);
  if (json === null) return { [field(1)]: 0 };
  if (typeof json === 'number') return { [field(2)]: json };
  if (typeof json === 'string') return { [field(3)]: json };
  if (typeof json === 'boolean') return { [field(4)]: json };
  const kind = Array.isArray(json) ? 6 : 5;
  return { [field(kind)]: fromJson(type.fieldsById[kind]!.resolve().resolvedType as Type, json) };
}

function anyFromJson(type: Type, json: unknown, fromJson: FromJson): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('Any: expected an object');
  const { '@type': url, ...rest } = json as Record<string, unknown>;
  if (url === undefined && Object.keys(rest).length === 0) return {};
  if (typeof url !== 'string') throw new Error('Any: "@type" is missing');
  const embedded = type.root.lookupType(url.slice(url.lastIndexOf('/') + 1));
  const body = wellKnown(embedded) !== undefined ? (rest as { value?: unknown }).value : rest;
  const bytes = embedded.encode(embedded.fromObject(fromJson(embedded, body))).finish();
  return { [name(type, 1)]: url, [name(type, 2)]: bytes };
}

// RFC 3339, always 'Z', with 0, 3, 6 or 9 fractional digits (the mapping's canonical form).
function formatTimestamp(seconds: number, nanos: number): string {
  if (seconds < -62135596800 || seconds > 253402300799) throw new Error('Timestamp out of range');
  const iso = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${iso}${fraction(nanos)}Z`;
}

function formatDuration(seconds: number, nanos: number): string {
  const negative = seconds < 0 || nanos < 0;
  return `${negative ? '-' : ''}${Math.abs(seconds)}${fraction(Math.abs(nanos))}s`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  return `.${digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits}`;
}

function parseTimestamp(json: unknown): [number, number] {
  const match = typeof json === 'string' ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(json) : null;
  if (match === null) throw new Error('Timestamp: expected an RFC 3339 string');
  const millis = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(millis)) throw new Error('Timestamp: not a date');
  return [Math.floor(millis / 1000), Number((match[2] ?? '').padEnd(9, '0'))];
}

function parseDuration(json: unknown): [number, number] {
  const match = typeof json === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
  if (match === null) throw new Error('Duration: expected a string like "1.5s"');
  const sign = match[1] === '-' ? -1 : 1;
  const seconds = Number(match[2]);
  if (seconds > 315576000000) throw new Error('Duration out of range');
  const nanos = Number((match[3] ?? '').padEnd(9, '0'));
  return [sign * seconds || 0, sign * nanos || 0];
}
