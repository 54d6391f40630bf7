// Tests for the server side of lib/protocol/request-headers.ts: request headers read into values or a status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { isGrpcRequest, parseRequestHeaders } from '../../lib/protocol/request-headers.js';
import type { IncomingHeaders } from '../../lib/protocol/request-headers.js';
import { Status } from '../../lib/protocol/status.js';

describe('isGrpcRequest', () => {
  const cases: [string | undefined, boolean][] = [
    ['application/grpc', true],
    ['application/grpc+proto', true],
    ['Application/GRPC; charset=utf-8', true],
    ['application/grpc+json', false],
    ['application/json', false],
    [undefined, false],
  ];
  for (const [contentType, expected] of cases) {
    it(`content-type ${JSON.stringify(contentType)} -> ${expected}`, () => {
      assert.equal(isGrpcRequest({ 'content-type': contentType }), expected);
    });
  }
});

describe('parseRequestHeaders', () => {
  // [title, headers, server default, request codec, response codec, accepted, timeout ms]
  const valid: [string, IncomingHeaders, 'gzip' | 'deflate' | undefined, string | undefined, string | undefined, string[], number | undefined][] = [
    ['nothing set: identity both ways, no deadline', {}, undefined, undefined, undefined, [], undefined],
    ['a gzip request the client reads back: gzip responses', { 'grpc-encoding': 'gzip', 'grpc-accept-encoding': 'identity,gzip' }, undefined, 'gzip', 'gzip', ['identity', 'gzip'], undefined],
    ['a gzip request the client cannot read back: identity responses', { 'grpc-encoding': 'gzip', 'grpc-accept-encoding': 'identity' }, undefined, 'gzip', undefined, ['identity'], undefined],
    ['the server default when the client accepts it', { 'grpc-accept-encoding': ['identity', 'Deflate'] }, 'deflate', undefined, 'deflate', ['identity', 'deflate'], undefined],
    ['not the server default the client does not accept', { 'grpc-accept-encoding': 'identity' }, 'gzip', undefined, undefined, ['identity'], undefined],
    ['a timeout', { 'grpc-timeout': '250m' }, undefined, undefined, undefined, [], 250],
    ['a zero timeout (already expired)', { 'grpc-timeout': '0n' }, undefined, undefined, undefined, [], 0],
  ];
  for (const [title, headers, serverDefault, requestCodec, responseCodec, accepted, timeoutMs] of valid) {
    it(title, () => {
      const parsed = parseRequestHeaders(headers, serverDefault);
      assert.ok(!(parsed instanceof GrpcError), String(parsed));
      assert.equal(parsed.requestCodec?.name, requestCodec);
      assert.equal(parsed.responseCodec?.name, responseCodec);
      assert.deepEqual(parsed.acceptedEncodings, accepted);
      assert.equal(parsed.timeoutMs, timeoutMs);
    });
  }

  const refused: [string, IncomingHeaders, Status, string][] = [
    ['an encoding we do not support: UNIMPLEMENTED', { 'grpc-encoding': 'br' }, Status.UNIMPLEMENTED, 'Unsupported grpc-encoding: br'],
    ['a malformed timeout: INTERNAL, as grpc-js answers', { 'grpc-timeout': '5 minutes' }, Status.INTERNAL, 'Invalid grpc-timeout value "5 minutes"'],
    ['both: the encoding is refused first', { 'grpc-encoding': 'br', 'grpc-timeout': 'x' }, Status.UNIMPLEMENTED, 'Unsupported grpc-encoding: br'],
  ];
  for (const [title, headers, code, message] of refused) {
    it(title, () => {
      const parsed = parseRequestHeaders(headers);
      assert.ok(parsed instanceof GrpcError);
      assert.equal(parsed.code, code);
      assert.equal(parsed.message, message);
    });
  }
});
