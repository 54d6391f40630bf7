// Our codecs against @grpc/proto-loader's (protobufjs 7) for the same protos and options: same JS shape, same wire.
// Test-only use of proto-loader; lib/ never imports it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type { Options } from '@grpc/proto-loader';
import { loadProtos } from '../../lib/schema/load-protos.js';
import type { LoadOptions } from '../../lib/schema/load-protos.js';

const protos = fileURLToPath(new URL('../../../test/schema/protos/', import.meta.url));
const includeDirs = [`${protos}main`, `${protos}lib`];

interface ProtoLoaderMethod {
  requestSerialize(value: unknown): Buffer;
  requestDeserialize(bytes: Buffer): unknown;
}

function theirEcho(options: Options): ProtoLoaderMethod {
  const definition = loadSync('shapes.proto', { ...options, includeDirs });
  const service = definition['shapes.v1.KindsService'] as unknown as Record<string, ProtoLoaderMethod>;
  return service['Echo']!;
}

const full = {
  a_double: 1.5, a_float: 0.25, a_int32: -7, a_int64: '-9007199254740993', a_uint32: 4000000000,
  a_uint64: '18446744073709551615', a_sint32: -3, a_sint64: '-42', a_fixed32: 7, a_fixed64: '9007199254740993',
  a_sfixed32: -8, a_sfixed64: '-9007199254740993', a_bool: true, a_string: 'héllo', a_bytes: Buffer.from([0, 1, 255]),
  color: 'GREEN', inner: { label: 'in', mode: 'MODE_ON' }, price: { currency_code: 'EUR', units: '12', nanos: -5 },
  many_int64: ['1', '-2'], many_strings: ['x', ''], many_colors: ['RED', 'GREEN'],
  many_inners: [{ label: 'a', mode: 'MODE_ON', note: '' }, {}], many_bytes: [Buffer.from('ab')],
  counts: { a: '1', b: '-2' }, inner_by_id: { 3: { label: 'three', mode: 'MODE_ON' } },
  choice_number: '123', maybe: 0,
  created_at: { seconds: '1700000000', nanos: 5 }, ttl: { seconds: '-1', nanos: -500 },
  nickname: { value: 'nick' }, attributes: { fields: { k: { stringValue: 'v' }, n: { numberValue: 2 }, l: { listValue: { values: [{ nullValue: 0 }] } } } },
  extra: { type_url: 'type.googleapis.com/common.Money', value: Buffer.from([10, 3, 69, 85, 82]) },
  nothing: {},
};

// Same JS object given to both sides; written in the loose forms fromObject accepts.
const samples: Array<[string, Record<string, unknown>]> = [
  ['empty message', {}],
  ['every field kind', full],
  ['oneof holding a message', { choice_outer: { inner: { label: 'o' }, inners: [{}, { mode: 1 }] } }],
  ['oneof holding a string, optional set', { choice_text: 't', maybe: -1 }],
  ['enums as numbers, longs as numbers', { color: 1, many_colors: [2, 0], a_int64: 5, a_uint64: 6, counts: { z: 7 } }],
  ['bytes as base64 and Uint8Array', { a_bytes: 'AAEC', many_bytes: [new Uint8Array([9, 8])] }],
  ['unknown enum number', { color: 99 }],
];

const optionSets: Array<[string, LoadOptions & Options]> = [
  ['grpc.io example options', {
    keepCase: true, longs: String, enums: String, bytes: Buffer, defaults: true, arrays: true, objects: true, oneofs: true,
  }],
  ['numbers, base64, no defaults', {
    keepCase: true, longs: Number, enums: Number, bytes: String, defaults: false, arrays: false, objects: false,
    oneofs: false,
  }],
];

for (const [optionsName, options] of optionSets) {
  describe(`deserialize matches proto-loader: ${optionsName}`, () => {
    const ours = loadProtos('shapes.proto', { ...options, includeDirs }).method('/shapes.v1.KindsService/Echo')!;
    const theirs = theirEcho(options);
    for (const [name, sample] of samples) {
      it(name, () => {
        const theirBytes = theirs.requestSerialize(sample);
        assert.deepEqual(ours.deserializeRequest(theirBytes), theirs.requestDeserialize(theirBytes));
        const ourBytes = ours.serializeRequest(sample);
        assert.deepEqual(theirs.requestDeserialize(ourBytes), theirs.requestDeserialize(theirBytes));
      });
    }
  });
}

describe('defaults match proto-loader with the documented options', () => {
  it('a zero-length message reads as the same fully defaulted object', () => {
    const ours = loadProtos('shapes.proto', { includeDirs }).method('/shapes.v1.KindsService/Echo')!;
    const theirs = theirEcho(optionSets[0]![1]);
    assert.deepEqual(ours.deserializeRequest(new Uint8Array(0)), theirs.requestDeserialize(Buffer.alloc(0)));
  });
});
