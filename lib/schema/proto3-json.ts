// The proto3 JSON mapping (protobuf.dev/programming-guides/proto3/#json) over protobufjs types: int64 as strings,
// bytes as base64, enums by name, NaN/Infinity as strings, json_name, default values left out, unknown fields
// refused; the well-known types in proto3-json-wkt.ts. protobufjs's toJSON/fromObject are not this mapping.
import { Enum, Type } from 'protobufjs';
import type { Field, Message, MapField } from 'protobufjs';
import { wellKnownFromJson, wellKnownToJson } from './proto3-json-wkt.js';

/** A JSON value as JSON.parse gives it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

/** The JSON name of a field: its json_name option, else lowerCamelCase of its name. */
export function jsonNameOf(field: Field): string {
  const option = field.options?.['json_name'];
  return typeof option === 'string' ? option : field.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A decoded protobufjs message -> its proto3 JSON. */
export function toProto3Json(type: Type, message: Message | Record<string, unknown>): JsonValue {
  const known = wellKnownToJson(type, message as Record<string, unknown>, toProto3Json);
  if (known !== undefined) return known;
  const out: { [key: string]: JsonValue } = {};
  const values = message as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    field.resolve();
    if (!Object.prototype.hasOwnProperty.call(values, field.name)) continue;
    const value = values[field.name];
    if (value === undefined || value === null) continue;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      out[jsonNameOf(field)] = Object.fromEntries(entries.map(([key, item]) => [key, valueToJson(field, item)]));
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      out[jsonNameOf(field)] = items.map((item) => valueToJson(field, item));
    } else {
      // proto3 leaves out fields at their default unless they track presence (optional, oneof members, messages).
      if (field.partOf === null && !(field.resolvedType instanceof Type) && isDefault(field, value)) continue;
      out[jsonNameOf(field)] = valueToJson(field, value);
    }
  }
  return out;
}

function isDefault(field: Field, value: unknown): boolean {
  if (typeof value === 'object' && value !== null && 'length' in value) return (value as Uint8Array).length === 0;
  if (typeof value === 'object' && value !== null) return String(value) === '0';
  return value === 0 || value === false || value === '' || (field.type === 'bool' && !value);
}

function valueToJson(field: Field, value: unknown): JsonValue {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return toProto3Json(resolved, value as Message);
  if (resolved instanceof Enum) {
    if (resolved.fullName === '.google.protobuf.NullValue') return null;
    return resolved.valuesById[value as number] ?? (value as number);
  }
  return scalarToJson(field.type, value);
}

/** A scalar of proto type `type` (as protobufjs decodes it) -> JSON. */
export function scalarToJson(type: string, value: unknown): JsonValue {
  if (LONG_TYPES.has(type)) return String(value);
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (type === 'double' || type === 'float') {
    const number = value as number;
    if (Number.isNaN(number)) return 'NaN';
    if (!Number.isFinite(number)) return number > 0 ? 'Infinity' : '-Infinity';
    return number;
  }
  return value as JsonValue;
}

/** Proto3 JSON -> a protobufjs message of `type`; throws an Error naming the field on what does not fit. */
export function fromProto3Json(type: Type, json: unknown): Message {
  return type.fromObject(objectFromJson(type, json));
}

function objectFromJson(type: Type, json: unknown): Record<string, unknown> {
  const known = wellKnownFromJson(type, json, objectFromJson);
  if (known !== undefined) return known;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${type.name}: expected an object`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByJsonKey(type, key);
    if (field === undefined) throw new Error(`${type.name}: unknown field "${key}"`);
    field.resolve();
    if (value === null && !(field.resolvedType instanceof Type && field.resolvedType.fullName === '.google.protobuf.Value')) continue;
    const path = `${type.name}.${field.name}`;
    if (field.map) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}: expected an object`);
      const keyType = (field as unknown as MapField).keyType;
      out[field.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [mapKeyFromJson(keyType, k, path), valueFromJson(field, v, path)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new Error(`${path}: expected an array`);
      out[field.name] = value.map((item: unknown) => valueFromJson(field, item, path));
    } else {
      out[field.name] = valueFromJson(field, value, path);
    }
  }
  return out;
}

const byJsonKey = new WeakMap<Type, Map<string, Field>>();

function fieldByJsonKey(type: Type, key: string): Field | undefined {
  let fields = byJsonKey.get(type);
  if (fields === undefined) {
    fields = new Map();
    for (const field of type.fieldsArray) {
      fields.set(field.name, field);
      fields.set(jsonNameOf(field), field);
      fields.set(field.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), field);
    }
    byJsonKey.set(type, fields);
  }
  return fields.get(key);
}

function mapKeyFromJson(keyType: string, key: string, path: string): string {
  if (keyType === 'bool' && key !== 'true' && key !== 'false') throw new Error(`${path}: bad bool map key "${key}"`);
  if ((LONG_TYPES.has(keyType) || INT32_TYPES.has(keyType)) && !/^-?\d+$/.test(key)) throw new Error(`${path}: bad integer map key "${key}"`);
  return key;
}

function valueFromJson(field: Field, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return objectFromJson(resolved, value);
  if (resolved instanceof Enum) {
    if (resolved.fullName === '.google.protobuf.NullValue') return 0;
    if (typeof value === 'string' && value in resolved.values) return resolved.values[value];
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    throw new Error(`${path}: ${JSON.stringify(value)} is not a value of ${resolved.name}`);
  }
  return scalarFromJson(field.type, value, path);
}

/** A JSON scalar -> the value fromObject takes for proto type `type`; throws on a mismatch. */
export function scalarFromJson(type: string, value: unknown, path: string): unknown {
  if (type === 'string') {
    if (typeof value !== 'string') throw new Error(`${path}: expected a string`);
    return value;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw new Error(`${path}: expected true or false`);
    return value;
  }
  if (type === 'bytes') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw new Error(`${path}: expected base64`);
    return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  if (type === 'double' || type === 'float') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number !== 'number' || Number.isNaN(number)) throw new Error(`${path}: expected a number`);
    return number;
  }
  const integer = typeof value === 'string' && /^-?\d+(\.0*)?$|^-?\d+(\.\d+)?[eE]\+?\d+$/.test(value) ? Number(value) : value;
  if (LONG_TYPES.has(type)) {
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
    if (typeof integer === 'number' && Number.isInteger(integer)) return String(integer);
    throw new Error(`${path}: expected an integer`);
  }
  if (typeof integer !== 'number' || !Number.isInteger(integer)) throw new Error(`${path}: expected an integer`);
  const unsigned = type === 'uint32' || type === 'fixed32';
  if (unsigned ? integer < 0 || integer > 0xffffffff : integer < -0x80000000 || integer > 0x7fffffff) throw new Error(`${path}: out of range`);
  return integer;
}
