// Message codecs: round trip of every field kind, accepted input forms, the documented shape, malformed input.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadProtos, loadRoot } from '../../lib/schema/load-protos.js';
import { createMessageCodec, resolveShape } from '../../lib/schema/message-codec.js';

const protos = fileURLToPath(new URL('../../../test/schema/protos/', import.meta.url));
const includeDirs = [`${protos}main`, `${protos}lib`];
const echo = loadProtos('shapes.proto', { includeDirs }).method('/shapes.v1.KindsService/Echo')!;
const roundTrip = (value: unknown): unknown => echo.deserializeRequest(echo.serializeRequest(value));

const defaults = roundTrip({}) as Record<string, unknown>;

describe('message codec round trip (documented shape)', () => {
  // field: [value given, value read back]
  const cases: Array<[string, unknown, unknown]> = [
    ['a_double', -2.5, -2.5], ['a_float', 0.5, 0.5], ['a_int32', -2147483648, -2147483648],
    ['a_int64', '-9223372036854775808', '-9223372036854775808'], ['a_uint32', 4294967295, 4294967295],
    ['a_uint64', '18446744073709551615', '18446744073709551615'], ['a_sint32', -1, -1], ['a_sint64', '-5', '-5'],
    ['a_fixed32', 4294967295, 4294967295], ['a_fixed64', '42', '42'], ['a_sfixed32', -9, -9],
    ['a_sfixed64', '-9007199254740993', '-9007199254740993'], ['a_bool', true, true], ['a_string', 'ünï', 'ünï'],
    ['a_bytes', Buffer.from([1, 2]), Buffer.from([1, 2])], ['color', 'RED', 'RED'],
    ['inner', { label: 'l' }, { label: 'l', mode: 'MODE_OFF' }],
    ['price', { currency_code: 'USD', units: '-1' }, { currency_code: 'USD', units: '-1', nanos: 0 }],
    ['many_int64', ['1', '2'], ['1', '2']], ['many_strings', ['a', ''], ['a', '']],
    ['many_colors', ['GREEN', 'RED'], ['GREEN', 'RED']], ['many_bytes', [Buffer.from('x')], [Buffer.from('x')]],
    ['many_inners', [{ mode: 'MODE_ON' }], [{ label: '', mode: 'MODE_ON' }]],
    ['counts', { a: '9007199254740993' }, { a: '9007199254740993' }],
    ['inner_by_id', { '-1': { label: 'neg' } }, { '-1': { label: 'neg', mode: 'MODE_OFF' } }],
    ['created_at', { seconds: '1700000000', nanos: 1 }, { seconds: '1700000000', nanos: 1 }],
    ['ttl', { seconds: '3' }, { seconds: '3', nanos: 0 }], ['nickname', { value: 'n' }, { value: 'n' }],
    ['attributes', { fields: { b: { boolValue: true } } }, { fields: { b: { boolValue: true, kind: 'boolValue' } } }],
    ['extra', { type_url: 't/x', value: Buffer.from([1]) }, { type_url: 't/x', value: Buffer.from([1]) }],
    ['nothing', {}, {}],
  ];
  for (const [field, given, expected] of cases) {
    it(field, () => assert.deepEqual(roundTrip({ [field]: given }), { ...defaults, [field]: expected }));
  }

  it('oneof: only the set member, named by the virtual oneof property', () => {
    assert.deepEqual(roundTrip({ choice_number: 7 }), { ...defaults, choice_number: '7', choice: 'choice_number' });
    const outer = roundTrip({ choice_outer: {} }) as Record<string, unknown>;
    assert.deepEqual([outer['choice'], outer['choice_outer']], ['choice_outer', { inner: null, inners: [] }]);
  });

  it('proto3 optional: present only when set (even to zero), with its synthetic oneof, nested too', () => {
    assert.deepEqual(roundTrip({ maybe: 0 }), { ...defaults, maybe: 0, _maybe: 'maybe' });
    const read = roundTrip({ inner: { note: '' } }) as Record<string, unknown>;
    assert.deepEqual(read['inner'], { label: '', mode: 'MODE_OFF', note: '', _note: 'note' });
    assert.equal('maybe' in defaults || '_maybe' in defaults, false);
  });

  it('unset fields read as defaults; messages as null', () => {
    assert.equal(defaults['a_int64'], '0');
    assert.equal(defaults['color'], 'COLOR_UNSPECIFIED');
    assert.deepEqual(defaults['a_bytes'], Buffer.alloc(0));
    assert.equal(defaults['created_at'], null);
  });
});

describe('message codec input forms', () => {
  const forms: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['enum by number', { color: 2, many_colors: [1] }, { color: 'GREEN', many_colors: ['RED'] }],
    ['long as number', { a_int64: -3, a_uint64: 4 }, { a_int64: '-3', a_uint64: '4' }],
    ['bytes as base64', { a_bytes: 'AQI=' }, { a_bytes: Buffer.from([1, 2]) }],
    ['bytes as Uint8Array', { a_bytes: new Uint8Array([3]) }, { a_bytes: Buffer.from([3]) }],
    ['unknown keys ignored', { not_a_field: 1 }, {}],
    ['nullish fields ignored', { a_string: null, inner: undefined }, {}],
  ];
  for (const [name, given, expected] of forms) {
    it(name, () => assert.deepEqual(roundTrip(given), { ...defaults, ...expected }));
  }

  it('rejects values that are not objects, naming the type', () => {
    for (const bad of [null, undefined, 'text', 3, [{}]]) {
      assert.throws(() => echo.serializeRequest(bad), /expected object with shapes\.v1\.Kinds structure/);
    }
  });

  it('a type without fields (Empty) accepts nothing at all', () => {
    const upload = loadProtos('shapes.proto', { includeDirs }).method('/shapes.v1.KindsService/Upload')!;
    assert.equal(upload.serializeResponse(undefined).length, 0);
    assert.deepEqual(upload.deserializeResponse(new Uint8Array(0)), {});
  });

  it('serializes to a Buffer, and reads bytes fields as Buffers from a plain Uint8Array', () => {
    const bytes = echo.serializeRequest({ a_bytes: Buffer.from('hi') });
    assert.ok(Buffer.isBuffer(bytes));
    const read = echo.deserializeRequest(new Uint8Array(bytes)) as Record<string, unknown>;
    assert.ok(Buffer.isBuffer(read['a_bytes']));
  });
});

describe('message codec options', () => {
  const root = loadRoot('shapes.proto', { includeDirs });
  const type = root.lookupType('shapes.v1.Kinds');
  const sample = { a_int64: '5', color: 'RED', a_bytes: Buffer.from([255]), maybe: 1 };
  const cases: Array<[string, Parameters<typeof resolveShape>[0], Record<string, unknown>]> = [
    ['longs: Number, enums: Number, bytes: String', { longs: Number, enums: Number, bytes: String },
      { a_int64: 5, color: 1, a_bytes: '/w==' }],
    ['defaults: false drops unset scalars and messages', { defaults: false, arrays: false, objects: false },
      { a_int64: '5', color: 'RED', a_bytes: Buffer.from([255]), maybe: 1, _maybe: 'maybe' }],
    ['oneofs: false drops virtual oneof properties', { defaults: false, arrays: false, objects: false, oneofs: false },
      { a_int64: '5', color: 'RED', a_bytes: Buffer.from([255]), maybe: 1 }],
  ];
  for (const [name, options, expected] of cases) {
    it(name, () => {
      const codec = createMessageCodec(type, resolveShape(options));
      const read = codec.deserialize(codec.serialize(sample)) as Record<string, unknown>;
      const picked = options?.defaults === false ? read : Object.fromEntries(Object.keys(expected).map((k) => [k, read[k]]));
      assert.deepEqual(picked, expected);
    });
  }
});

describe('malformed bytes', () => {
  const cases: Array<[string, number[]]> = [
    ['truncated length-delimited field', [0x72, 0x05, 0x61]],
    ['truncated varint', [0x18, 0xff]],
    ['invalid wire type', [0x1f]],
    ['field number zero', [0x00, 0x01]],
    ['nested message overruns its length', [0x8a, 0x01, 0x02, 0x0a, 0x09]],
  ];
  for (const [name, bytes] of cases) {
    it(`${name} -> deserialize throws`, () => {
      assert.throws(() => echo.deserializeRequest(Uint8Array.from(bytes)));
    });
  }
});
