// Tests for lib/client/server-encodings.ts: requests stop being compressed with an encoding the server cannot read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerEncodings } from '../../lib/client/server-encodings.js';
import { findCodec } from '../../lib/protocol/compression.js';

const gzip = findCodec('gzip')!;

describe('ServerEncodings', () => {
  it('before any response, a call compresses as asked', () => {
    assert.equal(new ServerEncodings().sendCodec(gzip), gzip);
    assert.equal(new ServerEncodings().sendCodec(undefined), undefined);
  });

  const cases: [string | string[], boolean][] = [
    ['identity,deflate,gzip', true],
    ['identity, gzip', true],
    [['identity', 'gzip'], true],
    ['identity,deflate', false],
    ['identity', false],
  ];
  for (const [header, keeps] of cases) {
    it(`grpc-accept-encoding ${JSON.stringify(header)}: gzip ${keeps ? 'kept' : 'dropped'}`, () => {
      const encodings = new ServerEncodings();
      encodings.note(header);
      assert.equal(encodings.sendCodec(gzip), keeps ? gzip : undefined);
    });
  }

  it('the latest response wins', () => {
    const encodings = new ServerEncodings();
    encodings.note('identity');
    encodings.note('identity,gzip');
    assert.equal(encodings.sendCodec(gzip), gzip);
  });
});
