import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Base64ChunkDecoder, encodeTrailerFrame, parseGrpcWebContentType } from '../../lib/protocol/grpc-web.js';

describe('parseGrpcWebContentType', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['application/grpc-web', 'binary'], ['application/grpc-web+proto', 'binary'], ['Application/GRPC-Web+proto; charset=x', 'binary'],
    ['application/grpc-web-text', 'text'], ['application/grpc-web-text+proto', 'text'],
    ['application/grpc-web+json', undefined], ['application/grpc', undefined], [undefined, undefined],
  ];
  for (const [input, expected] of cases) it(`${String(input)} -> ${String(expected)}`, () => assert.equal(parseGrpcWebContentType(input), expected));
});

describe('encodeTrailerFrame', () => {
  it('flag 0x80, big-endian length, one line per value, pseudo-headers left out', () => {
    const frame = encodeTrailerFrame({ ':status': 200, 'grpc-status': '0', 'x-a': ['1', '2'] });
    const text = 'grpc-status: 0\r\nx-a: 1\r\nx-a: 2\r\n';
    assert.equal(frame[0], 0x80);
    assert.equal(frame.readUInt32BE(1), text.length);
    assert.equal(frame.subarray(5).toString(), text);
  });
});

describe('Base64ChunkDecoder', () => {
  it('any split of padded chunks in a row gives the bytes back', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 5 }), fc.array(fc.nat(200), { maxLength: 6 }), (parts, cuts) => {
      const text = Buffer.from(parts.map((part) => Buffer.from(part).toString('base64')).join(''));
      const decoder = new Base64ChunkDecoder();
      const out: Buffer[] = [];
      let at = 0;
      for (const cut of [...cuts.map((c) => Math.min(c, text.length)).sort((a, b) => a - b), text.length]) {
        const bytes = decoder.push(text.subarray(at, Math.max(at, cut)));
        assert.ok(!(bytes instanceof Error));
        out.push(bytes);
        at = Math.max(at, cut);
      }
      assert.equal(decoder.end(), undefined);
      assert.deepEqual(Buffer.concat(out), Buffer.concat(parts.map((part) => Buffer.from(part))));
    }));
  });

  it('a character outside base64 is an error value', () => {
    assert.ok(new Base64ChunkDecoder().push(Buffer.from('AA*A')) instanceof Error);
  });

  it('a body ending inside a quantum is an error at end', () => {
    const decoder = new Base64ChunkDecoder();
    assert.ok(!(decoder.push(Buffer.from('AAAAA')) instanceof Error));
    assert.ok(decoder.end() instanceof Error);
  });
});
