// Tests for lib/protocol/headers.ts: the gRPC content-type check and header-name constants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as headers from '../../lib/protocol/headers.js';

describe('isGrpcContentType', () => {
  const cases: [string | undefined, boolean][] = [
    ['application/grpc', true],
    ['application/grpc+proto', true],
    ['Application/GRPC', true],
    ['application/grpc; charset=utf-8', true],
    ['application/grpc+proto;x=y', true],
    [' application/grpc ', true],
    ['application/grpc+json', false],
    ['application/grpc-web', false],
    ['application/grpcx', false],
    ['application/json', false],
    ['', false],
    [undefined, false],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} -> ${expected}`, () => assert.equal(headers.isGrpcContentType(value), expected));
  }
});

describe('header names', () => {
  it('are the lowercase names node:http2 uses', () => {
    assert.deepEqual(
      [
        headers.GRPC_CONTENT_TYPE,
        headers.CONTENT_TYPE_HEADER,
        headers.TE_HEADER,
        headers.TE_TRAILERS,
        headers.USER_AGENT_HEADER,
        headers.GRPC_TIMEOUT_HEADER,
        headers.GRPC_ENCODING_HEADER,
        headers.GRPC_ACCEPT_ENCODING_HEADER,
        headers.GRPC_STATUS_HEADER,
        headers.GRPC_MESSAGE_HEADER,
        headers.GRPC_STATUS_DETAILS_HEADER,
      ],
      [
        'application/grpc',
        'content-type',
        'te',
        'trailers',
        'user-agent',
        'grpc-timeout',
        'grpc-encoding',
        'grpc-accept-encoding',
        'grpc-status',
        'grpc-message',
        'grpc-status-details-bin',
      ],
    );
  });
});
