// The proto3 JSON mapping, table-driven: each JSON form reads into a message and writes back the canonical form,
// and what the mapping forbids is an error. Canonical forms from protobuf.dev's proto3 JSON table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { fromProto3Json, toProto3Json } from '../../lib/schema/proto3-json.js';
import type { JsonValue } from '../../lib/schema/proto3-json.js';

const PROTO = fileURLToPath(new URL('../../../test/schema/protos/json-mapping.proto', import.meta.url));
const root = protobuf.loadSync(PROTO);
root.resolveAll();
const All = root.lookupType('jsontest.All');

/** JSON in -> encode -> decode -> JSON out. */
function roundTrip(json: JsonValue): JsonValue {
  const bytes = All.encode(fromProto3Json(All, json)).finish();
  return toProto3Json(All, All.decode(bytes));
}

// [name, JSON in, canonical JSON out (undefined: the same)]
const cases: Array<[string, JsonValue, JsonValue?]> = [
  ['empty message', {}],
  ['int32 from a number', { i32: -5 }],
  ['int32 from a string', { i32: '7' }, { i32: 7 }],
  ['int64 as a string', { i64: '-9223372036854775808' }],
  ['int64 from a number', { i64: 12 }, { i64: '12' }],
  ['uint64 max', { u64: '18446744073709551615' }],
  ['double NaN', { dbl: 'NaN' }],
  ['double Infinity', { dbl: 'Infinity' }],
  ['double -Infinity', { dbl: '-Infinity' }],
  ['float', { flt: 1.5 }],
  ['bool', { flag: true }],
  ['defaults are left out', { i32: 0, str: '', flag: false, color: 'COLOR_UNSPECIFIED' }, {}],
  ['bytes as base64', { raw: 'AP8=' }],
  ['bytes from URL-safe base64', { raw: '-_8' }, { raw: '+/8=' }],
  ['enum by name', { color: 'RED' }],
  ['enum by number', { color: 1 }, { color: 'RED' }],
  ['nested message', { inner: { id: 3 } }],
  ['empty nested message kept', { inner: {} }],
  ['repeated int64', { longs: ['1', '-2'] }],
  ['map of messages', { byName: { a: { id: 1 } } }],
  ['map with int keys', { byNumber: { '5': 'five' } }],
  ['json_name', { otherName: 'x' }],
  ['the proto name is accepted', { by_name: { b: { id: 2 } }, renamed: 'y' }, { byName: { b: { id: 2 } }, otherName: 'y' }],
  ['proto3 optional at its default is kept', { maybe: 0 }],
  ['null means default', { i32: null, inner: null }, {}],
  ['Timestamp', { at: '1972-01-01T10:00:20.021Z' }],
  ['Timestamp with nanos', { at: '2020-02-03T04:05:06.000000007Z' }],
  ['Timestamp with an offset', { at: '2020-01-01T01:00:00+01:00' }, { at: '2020-01-01T00:00:00Z' }],
  ['Duration', { took: '1.000340012s' }],
  ['Duration negative', { took: '-1.5s' }, { took: '-1.500s' }],
  ['Duration whole', { took: '3s' }],
  ['Int64Value', { bigBox: '9007199254740993' }],
  ['StringValue', { strBox: '' }],
  ['BoolValue false is present', { boolBox: false }],
  ['Struct', { doc: { a: 1, b: [true, null, 'x'], c: { d: {} } } }],
  ['Value number', { anyValue: 2.5 }],
  ['Value null', { anyValue: null }],
  ['Value list', { anyValue: [1, 'a'] }],
  ['ListValue', { list: [{ k: 'v' }, 3] }],
  ['FieldMask', { mask: 'a.bC,dE' }],
  ['Any of a message', { packed: { '@type': 'type.googleapis.com/jsontest.Inner', id: 9 } }],
  ['Any of a well-known type', { packed: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' } }],
  ['Empty', { nothing: {} }],
];

describe('proto3 JSON mapping: round trips', () => {
  for (const [name, input, output] of cases) {
    it(name, () => assert.deepEqual(roundTrip(input), output ?? input));
  }
});

const refused: Array<[string, JsonValue]> = [
  ['an unknown field', { nope: 1 }],
  ['a string for a bool', { flag: 'true' }],
  ['a fraction for an int32', { i32: 1.5 }],
  ['int32 out of range', { i32: 2147483648 }],
  ['a number for a string', { str: 5 }],
  ['bad base64', { raw: '***' }],
  ['an unknown enum name', { color: 'BLUE' }],
  ['a non-object message', { inner: 5 }],
  ['a bad Timestamp', { at: 'yesterday' }],
  ['a bad Duration', { took: '5m' }],
  ['a non-array repeated', { longs: '1' }],
  ['a bad int map key', { byNumber: { x: 'y' } }],
  ['a top level array', [1]],
];

describe('proto3 JSON mapping: what it refuses', () => {
  for (const [name, input] of refused) {
    it(name, () => assert.throws(() => fromProto3Json(All, input)));
  }
});
