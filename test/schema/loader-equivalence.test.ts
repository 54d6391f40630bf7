// Property: for every loader option a Nest user can pass, our codecs (loaded as the Nest layer loads them) give
// the objects grpc-js + @grpc/proto-loader give for the same bytes, and what we send reads on proto-loader as what
// its own encoder sends. Covers protos/equivalence: every proto3 field kind, well-known types and a proto2 file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadSync } from '@grpc/proto-loader';
import type { Options } from '@grpc/proto-loader';
import { loadProtos } from '../../lib/schema/load-protos.js';
import type { LoadOptions } from '../../lib/schema/load-protos.js';
import { nestLoaderOptions } from '../../lib/nest/loader-options.js';
import { everyKindArbitraries } from './every-kind-arbitrary.js';

const PROTO = fileURLToPath(new URL('../../../test/schema/protos/equivalence/every_kind.proto', import.meta.url));
const SERVICE = 'equivalence.v1.Equivalence';
const RUNS = 40;

interface Codec {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}
interface Side { everyKind: Codec; legacy: Codec }

/** Every loader option alone (as Nest users write them), none at all, and two common combinations. */
export const LOADER_OPTION_SETS: ReadonlyArray<readonly [string, LoadOptions & Options]> = [
  ['none (Nest default)', {}],
  ['keepCase', { keepCase: true }],
  ['longs: String', { longs: String }],
  ['longs: Number', { longs: Number }],
  ['enums: String', { enums: String }],
  ['bytes: String', { bytes: String }],
  ['bytes: Array', { bytes: Array }],
  ['defaults', { defaults: true }],
  ['arrays', { arrays: true }],
  ['objects', { objects: true }],
  ['oneofs', { oneofs: true }],
  ['json', { json: true }],
  ['grpc.io example', { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }],
  ['everything on', {
    keepCase: true, longs: String, enums: String, bytes: String, defaults: true, arrays: true, objects: true,
    oneofs: true, json: true,
  }],
];

interface ProtoLoaderMethod {
  requestSerialize(value: unknown): Buffer;
  requestDeserialize(bytes: Buffer): unknown;
}

function theirs(options: Options): Side {
  const service = loadSync(PROTO, options)[SERVICE] as unknown as Record<string, ProtoLoaderMethod>;
  const codec = (method: ProtoLoaderMethod): Codec => ({
    serialize: (value) => method.requestSerialize(value),
    deserialize: (bytes) => method.requestDeserialize(Buffer.from(bytes)),
  });
  return { everyKind: codec(service['Echo']!), legacy: codec(service['EchoLegacy']!) };
}

function ours(options: LoadOptions): Side {
  // The Nest layer's path: GrpcTransportStrategy and GrpcClientProxy load with nestLoaderOptions(loader).
  const service = loadProtos(PROTO, nestLoaderOptions(options)).service(SERVICE);
  const codec = (name: string): Codec => {
    const method = service.methods.get(name)!;
    return { serialize: (value) => method.serializeRequest(value), deserialize: (bytes) => method.deserializeRequest(bytes) };
  };
  return { everyKind: codec('Echo'), legacy: codec('EchoLegacy') };
}

/** Both directions for one sample: their bytes read by us, our bytes read by them. */
function assertEquivalent(us: Codec, them: Codec, sample: unknown): void {
  const theirBytes = them.serialize(sample);
  assert.deepStrictEqual(us.deserialize(theirBytes), them.deserialize(theirBytes), 'decoding their bytes');
  assert.deepStrictEqual(them.deserialize(us.serialize(sample)), them.deserialize(theirBytes), 'proto-loader decoding our bytes');
}

for (const [name, options] of LOADER_OPTION_SETS) {
  describe(`loader option set: ${name}`, () => {
    const us = ours(options);
    const them = theirs(options);
    const arbitraries = everyKindArbitraries(options.keepCase === true);

    it('proto3: every field kind, well-known types, oneofs, optionals', () => {
      fc.assert(fc.property(arbitraries.everyKind, (sample) => assertEquivalent(us.everyKind, them.everyKind, sample)),
        { numRuns: RUNS });
    });

    it('proto2: explicit presence, custom defaults, closed enums, required', () => {
      fc.assert(fc.property(arbitraries.legacy, (sample) => assertEquivalent(us.legacy, them.legacy, sample)),
        { numRuns: RUNS });
    });
  });
}

describe('under Nest\'s default loader (none set)', () => {
  const us = ours({});
  const them = theirs({});
  // The cases: zero and empty values given explicitly arrive as properties, as with Transport.GRPC.
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a request { aInt32: 0 }', { aInt32: 0 }],
    ['a nested reply { amountCents: 0, status: 0, noteText: \'\' }', { leaf: { amountCents: 0, status: 0, noteText: '' } }],
    ['an empty string, false, empty bytes, -0', { aString: '', aBool: false, aBytes: Buffer.alloc(0), aDouble: -0 }],
    ['a proto2 optional at zero', { legacy: { idText: '', count: 0, enabled: false } }],
  ];
  for (const [name, sample] of cases) {
    it(`${name} arrives with those fields set`, () => {
      const read = them.everyKind.deserialize(us.everyKind.serialize(sample));
      assert.deepStrictEqual(read, them.everyKind.deserialize(them.everyKind.serialize(sample)));
      assert.deepStrictEqual(us.everyKind.deserialize(them.everyKind.serialize(sample)), read);
      assert.deepStrictEqual(Object.keys(read as object).sort(), Object.keys(sample).sort());
    });
  }

  // grpc-js writes a lone surrogate as its 3-byte form (short strings) or U+FFFD (long ones), and other peers may
  // send any bytes: protobufjs 7 reads them leniently, so we do too instead of failing the call.
  const invalid: Array<[string, Buffer]> = [
    ['a lone high surrogate from grpc-js', them.everyKind.serialize({ aString: 'a\ud800b' }) as Buffer],
    ['a lone low surrogate in a long string', them.everyKind.serialize({ aString: `${'x'.repeat(50)}\udc00` }) as Buffer],
    ['bytes that are not UTF-8 at all', Buffer.from([0x72, 0x03, 0xff, 0xfe, 0x41])],
  ];
  for (const [name, bytes] of invalid) {
    it(`a string field holding ${name} reads as proto-loader reads it`, () => {
      assert.deepStrictEqual(us.everyKind.deserialize(bytes), them.everyKind.deserialize(bytes));
    });
  }
});

describe('known differences: protobufjs 7 bugs not copied', () => {
  const service = loadSync(PROTO, {})[SERVICE] as unknown as Record<string, ProtoLoaderMethod>;
  const them = service['EchoKeyed']!;
  const us = loadProtos(PROTO, nestLoaderOptions({})).method(`/${SERVICE}/EchoKeyed`)!;

  it('64-bit map keys read as decimal strings; proto-loader gives their 8-byte hash', () => {
    const bytes = them.requestSerialize({ byLong: { 5: 'five' } });
    assert.deepStrictEqual(us.deserializeRequest(bytes), { byLong: { 5: 'five' } });
    assert.deepStrictEqual(them.requestDeserialize(bytes), { byLong: { '\x05\0\0\0\0\0\0\0': 'five' } });
  });

  it('a bool map key "false" is sent as false; proto-loader sends it as true', () => {
    const sample = { byFlag: { false: 'no' } };
    assert.deepStrictEqual(them.requestDeserialize(Buffer.from(us.serializeRequest(sample))), sample);
    assert.deepStrictEqual(them.requestDeserialize(them.requestSerialize(sample)), { byFlag: { true: 'no' } });
  });
});
