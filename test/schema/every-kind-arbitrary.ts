// fast-check arbitraries for protos/equivalence/*.proto: what grpc-js users hand to a serializer, in every input form
// proto-loader accepts (longs as strings, numbers or Long; enums as names or numbers; bytes as Buffer, Uint8Array or
// base64), values at zero and at their limits. Field names follow keepCase, as the loaded types name them.
import fc from 'fast-check';
import protobuf from 'protobufjs';

type Sample = Record<string, unknown>;
// protobufjs types util.Long as a bare constructor; it is the `long` package's class, the one proto-loader uses too.
const Long = protobuf.util.Long as unknown as { fromString(text: string, unsigned: boolean): unknown };
type Arb = fc.Arbitrary<unknown>;

/** lowerCamelCase as protobufjs's parser applies it when keepCase is off. */
export function camelCase(name: string): string {
  return name[0] + name.slice(1).replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

const INT32: [number, number] = [-(2 ** 31), 2 ** 31 - 1];
const UINT32: [number, number] = [0, 2 ** 32 - 1];
const int = ([min, max]: [number, number]): Arb =>
  fc.oneof(fc.constantFrom(0, min, max, -1, 1).filter((v) => v >= min), fc.integer({ min, max }));

function long(unsigned: boolean): Arb {
  const min = unsigned ? 0n : -(2n ** 63n);
  const max = unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
  const value = fc.oneof(fc.constantFrom(0n, min, max, 1n, 2n ** 53n + 1n), fc.bigInt({ min, max }));
  return value.chain((big) => fc.constantFrom<unknown>(
    big.toString(),
    Long.fromString(big.toString(), unsigned),
    // A number only where it is exact: grpc-js users pass small longs as numbers.
    ...(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? [Number(big)] : []),
  ));
}

const double: Arb = fc.oneof(fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE), fc.double());
const float: Arb = fc.oneof(fc.constantFrom(0, -0, NaN, Infinity, 3.4028234663852886e38), fc.float());
// Valid UTF-16 in full (astral planes included); see the test file for lone surrogates.
const text: Arb = fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 60 }));
const bytes: Arb = fc.uint8Array({ maxLength: 12 }).chain((array) =>
  fc.constantFrom<unknown>(Buffer.from(array), array, Buffer.from(array).toString('base64')));
const mapKey = (key: Arb): fc.Arbitrary<string> => key.map(String).filter((k) => k !== '__proto__');
const list = (item: Arb): Arb => fc.array(item, { maxLength: 3 });
const dict = (key: Arb, value: Arb): Arb => fc.dictionary(mapKey(key), value, { maxKeys: 3 });

const status: Arb = fc.constantFrom<unknown>('STATUS_UNSPECIFIED', 'STATUS_ACTIVE', 'STATUS_CLOSED', 0, 1, 2, 7);
// proto2 enums are closed in protobufjs 8; 0 and 7 are unknown numbers that proto-loader keeps.
const level: Arb = fc.constantFrom<unknown>('LEVEL_LOW', 'LEVEL_HIGH', 1, 2, 0, 7);

/** Builds the arbitraries for one keepCase setting. */
export function everyKindArbitraries(keepCase: boolean): { everyKind: fc.Arbitrary<Sample>; legacy: fc.Arbitrary<Sample> } {
  const name = keepCase ? (n: string): string => n : camelCase;
  const record = (model: Record<string, Arb>, required: string[] = []): fc.Arbitrary<Sample> =>
    fc.record(Object.fromEntries(Object.entries(model).map(([key, arb]) => [name(key), arb])),
      { requiredKeys: required.map(name) }) as fc.Arbitrary<Sample>;

  const leaf = record({ note_text: text, amount_cents: long(false), status, flag_value: fc.boolean() });
  const seconds = long(false);
  const timestamp = record({ seconds, nanos: fc.integer({ min: 0, max: 999_999_999 }) });
  const duration = record({ seconds, nanos: fc.integer({ min: -999_999_999, max: 999_999_999 }) });
  // google.protobuf types come from protobufjs's bundled JSON, whose names keepCase never touches.
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
      fc.record({ nullValue: fc.constantFrom<unknown>(0, 'NULL_VALUE') }), fc.record({ numberValue: double }),
      fc.record({ stringValue: text }), fc.record({ boolValue: fc.boolean() }),
      fc.record({ structValue: tie('struct') }), fc.record({ listValue: fc.record({ values: fc.array(tie('value'), { maxLength: 2 }) }) })),
    struct: fc.record({ fields: fc.dictionary(mapKey(fc.string({ maxLength: 4 })), tie('value'), { maxKeys: 2 }) }),
  }));
  const any = fc.oneof(
    fc.record({ type_url: fc.constant('type.googleapis.com/equivalence.v1.Leaf'), value: fc.constantFrom(Buffer.alloc(0),
      Buffer.from([0x0a, 0x01, 0x78, 0x10, 0x05, 0x18, 0x01]), Buffer.from([0x10, 0x00])) }),
    fc.record({ type_url: fc.constant('example.com/not.a.Known'), value: bytes }),
    leaf.map((fields) => ({ '@type': 'type.googleapis.com/equivalence.v1.Leaf', ...fields })),
    record({ count: int(INT32), label: text }).map((fields) => ({ '@type': 'type.googleapis.com/equivalence.v1.Holder.Detached', ...fields })),
  );
  const legacyFields = (child: Arb): fc.Arbitrary<Sample> => record({
    id_text: text, count: int(INT32), total: long(false), label: text, retries: int(INT32), level,
    enabled: fc.boolean(), raw: bytes, ratio: double, values: list(int(INT32)), levels: list(level), child,
  }, ['id_text']);
  const legacy = legacyFields(legacyFields(fc.constant(undefined)));

  const fields = record({
    a_double: double, a_float: float, a_int32: int(INT32), a_int64: long(false), a_uint32: int(UINT32),
    a_uint64: long(true), a_sint32: int(INT32), a_sint64: long(false), a_fixed32: int(UINT32), a_fixed64: long(true),
    a_sfixed32: int(INT32), a_sfixed64: long(false), a_bool: fc.boolean(), a_string: text, a_bytes: bytes, status, leaf,
    many_int32: list(int(INT32)), many_int64: list(long(false)), many_double: list(double), many_bool: list(fc.boolean()),
    many_strings: list(text), many_bytes: list(bytes), many_status: list(status), many_leaves: list(leaf),
    labels: dict(fc.string({ maxLength: 4 }), text), leaf_by_id: dict(int(INT32), leaf), blob_by_id: dict(int(UINT32), bytes),
    status_by_name: dict(fc.string({ maxLength: 4 }), status), sums: dict(int(INT32), long(false)),
    maybe_int: int(INT32), maybe_text: text, maybe_status: status,
    created_at: timestamp, ttl: duration, nickname: fc.record({ value: text }), big_wrapped: fc.record({ value: long(false) }),
    bool_wrapped: fc.record({ value: fc.boolean() }), bytes_wrapped: fc.record({ value: bytes }),
    attributes: fc.record({ fields: fc.dictionary(mapKey(fc.string({ maxLength: 4 })), value, { maxKeys: 2 }) }),
    any_value: value, extra: any, nothing: fc.constant({}), legacy,
  });
  // At most one member of the oneof, possibly at its zero value.
  const choice = fc.oneof(fc.constant({}), record({ choice_text: text }, ['choice_text']),
    record({ choice_number: long(false) }, ['choice_number']), record({ choice_leaf: leaf }, ['choice_leaf']),
    record({ choice_status: status }, ['choice_status']));
  const everyKind = fc.tuple(fields, choice).map(([a, b]) => ({ ...a, ...b }));
  return { everyKind, legacy };
}
