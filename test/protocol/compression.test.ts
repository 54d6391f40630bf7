// Tests for lib/protocol/compression.ts: codecs (format, limits, corruption) and encoding negotiation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import {
  ACCEPT_ENCODING,
  SUPPORTED_ENCODINGS,
  chooseResponseEncoding,
  findCodec,
  parseEncodingList,
  type Codec,
  type EncodingName,
} from '../../lib/protocol/compression.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';

const MiB = 1024 * 1024;

function codec(name: string): Codec {
  const found = findCodec(name);
  assert.ok(found !== undefined, name);
  return found;
}

describe('codecs', () => {
  for (const name of SUPPORTED_ENCODINGS) {
    it(`${name} round-trips any bytes`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
          const out = codec(name).decompress(codec(name).compress(data), 4 * MiB);
          assert.ok(Buffer.isBuffer(out));
          assert.ok(out.equals(data));
        }),
        { numRuns: 100 },
      );
    });
  }

  it('deflate is the zlib format (RFC 1950), readable by zlib.inflateSync, as grpc-js uses', () => {
    const data = Buffer.from('hello hello hello');
    const compressed = codec('deflate').compress(data);
    assert.equal(compressed[0], 0x78, 'zlib header byte');
    assert.ok(zlib.inflateSync(compressed).equals(data));
    assert.ok((codec('deflate').decompress(zlib.deflateSync(data), 100) as Buffer).equals(data));
  });

  it('gzip has the gzip magic and reads what zlib.gzipSync writes', () => {
    const data = Buffer.from('hello gzip');
    const compressed = codec('gzip').compress(data);
    assert.deepEqual([compressed[0], compressed[1]], [0x1f, 0x8b]);
    assert.ok((codec('gzip').decompress(zlib.gzipSync(data), 100) as Buffer).equals(data));
  });

  const bombs: [EncodingName, (data: Buffer) => Buffer][] = [
    ['gzip', (d) => zlib.gzipSync(d)],
    ['deflate', (d) => zlib.deflateSync(d)],
  ];
  for (const [name, compress] of bombs) {
    it(`${name}: a 10 MiB bomb with max 4 MiB gets RESOURCE_EXHAUSTED`, () => {
      const bomb = compress(Buffer.alloc(10 * MiB));
      assert.ok(bomb.length < 64 * 1024, `bomb is ${bomb.length} bytes`);
      const result = codec(name).decompress(bomb, 4 * MiB);
      assert.ok(result instanceof GrpcError);
      assert.equal(result.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(result.message, `Received message that decompresses to a size larger than ${4 * MiB}`);
    });

    it(`${name}: output of exactly max is accepted, one byte more is refused`, () => {
      const data = Buffer.alloc(1000, 1);
      assert.equal((codec(name).decompress(compress(data), 1000) as Buffer).length, 1000);
      assert.equal((codec(name).decompress(compress(data), 999) as GrpcError).code, Status.RESOURCE_EXHAUSTED);
      assert.equal((codec(name).decompress(compress(Buffer.alloc(0)), 0) as Buffer).length, 0);
      assert.equal((codec(name).decompress(compress(Buffer.from('x')), 0) as GrpcError).code, Status.RESOURCE_EXHAUSTED);
    });

    it(`${name}: an Infinity max is allowed`, () => {
      assert.equal((codec(name).decompress(compress(Buffer.alloc(10)), Infinity) as Buffer).length, 10);
    });

    const corrupt: [string, Buffer][] = [
      ['garbage', Buffer.from('not compressed at all')],
      ['empty input', Buffer.alloc(0)],
      ['a truncated stream', compress(Buffer.alloc(5000, 3)).subarray(0, 12)],
    ];
    for (const [what, input] of corrupt) {
      it(`${name}: ${what} gets INTERNAL`, () => {
        const result = codec(name).decompress(input, 4 * MiB);
        assert.ok(result instanceof GrpcError);
        assert.equal(result.code, Status.INTERNAL);
      });
    }
  }

  it('identity passes bytes through without copying and enforces the max', () => {
    const data = Buffer.from('abc');
    assert.equal(codec('identity').compress(data), data);
    assert.equal(codec('identity').decompress(data, 3), data);
    assert.equal((codec('identity').decompress(data, 2) as GrpcError).code, Status.RESOURCE_EXHAUSTED);
  });
});

describe('findCodec', () => {
  const cases: [string, string | undefined][] = [
    ['gzip', 'gzip'], ['GZIP', 'gzip'], ['Deflate', 'deflate'], ['identity', 'identity'], ['br', undefined], ['', undefined],
  ];
  for (const [name, expected] of cases) {
    it(`${JSON.stringify(name)} -> ${expected}`, () => assert.equal(findCodec(name)?.name, expected));
  }
  it('lists the supported encodings in grpc-js order', () => {
    assert.deepEqual(SUPPORTED_ENCODINGS, ['identity', 'deflate', 'gzip']);
    assert.equal(ACCEPT_ENCODING, 'identity,deflate,gzip');
  });
});

describe('parseEncodingList', () => {
  const cases: [string | string[] | undefined, string[]][] = [
    [undefined, []],
    ['', []],
    ['identity,deflate,gzip', ['identity', 'deflate', 'gzip']],
    [' GZIP , Deflate ,', ['gzip', 'deflate']],
    [['identity', 'gzip, br'], ['identity', 'gzip', 'br']],
    ['gzip,gzip', ['gzip']],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} -> ${JSON.stringify(expected)}`, () => assert.deepEqual(parseEncodingList(header), expected));
  }
});

describe('chooseResponseEncoding', () => {
  const all = ['identity', 'deflate', 'gzip'];
  const cases: [string, string, readonly string[], EncodingName | undefined, EncodingName][] = [
    ['the compressed request encoding when accepted', 'gzip', all, undefined, 'gzip'],
    ['the request encoding over the server default', 'deflate', all, 'gzip', 'deflate'],
    ['case-insensitive request encoding', 'GZIP', all, undefined, 'gzip'],
    ['the server default when the request is identity', 'identity', all, 'gzip', 'gzip'],
    ['identity when the request encoding is not accepted', 'gzip', ['identity'], undefined, 'identity'],
    ['the server default when the request encoding is unsupported', 'br', all, 'deflate', 'deflate'],
    ['identity when the default is not accepted', 'identity', ['identity', 'deflate'], 'gzip', 'identity'],
    ['identity when nothing was accepted', 'gzip', [], 'gzip', 'identity'],
    ['identity without a default', 'identity', all, undefined, 'identity'],
  ];
  for (const [name, request, accepted, serverDefault, expected] of cases) {
    it(name, () => assert.equal(chooseResponseEncoding(request, accepted, serverDefault), expected));
  }
});
