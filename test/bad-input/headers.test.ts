// Bad request headers (PROTOCOL-HTTP2 "Requests"): content-type, path and grpc-timeout, each sent beside
// a healthy call on the same connection.
import assert from 'node:assert/strict';
import { Status } from '../../lib/protocol/status.js';
import { describeBadCases } from './bad-case.js';
import type { BadCase } from './bad-case.js';
import { decodeReplies, frameRequest, PROBE_PATHS } from './probe-server.js';

const request = frameRequest({ text: 'hi' });

function contentTypeCase(contentType: string | undefined, label = contentType): BadCase {
  // PROTOCOL-HTTP2: a request that is not gRPC gets HTTP 415 and no gRPC status, so no client reads it as one.
  return { name: `content-type ${label} -> HTTP 415`, headers: { 'content-type': contentType }, body: [request], httpStatus: 415, grpcStatus: undefined };
}

const contentTypeCases: readonly BadCase[] = [
  contentTypeCase('text/plain'),
  contentTypeCase('application/json'),
  contentTypeCase(undefined, 'missing'),
  contentTypeCase('application/grpc+json'),
  {
    name: "content-type 'application/grpc+proto' -> OK",
    headers: { 'content-type': 'application/grpc+proto' },
    body: [request],
    grpcStatus: Status.OK,
    check: (response) => assert.deepEqual(decodeReplies(response.body).map((reply) => reply.text), ['echo:hi']),
  },
];

const pathCases: readonly BadCase[] = [
  {
    name: 'an unknown method -> UNIMPLEMENTED, trailers-only',
    path: '/badinput.Probe/Missing',
    body: [request],
    grpcStatus: Status.UNIMPLEMENTED,
    trailersOnly: true,
  },
  {
    name: 'a path that is no service -> UNIMPLEMENTED, trailers-only',
    path: '/nope',
    body: [request],
    grpcStatus: Status.UNIMPLEMENTED,
    trailersOnly: true,
  },
  {
    name: 'an unknown method with a wrong content-type -> HTTP 415 first',
    path: '/badinput.Probe/Missing',
    headers: { 'content-type': 'text/plain' },
    body: [request],
    httpStatus: 415,
    grpcStatus: undefined,
  },
];

// lib/protocol/timeout.ts answers a malformed grpc-timeout with INTERNAL, as grpc-js does
// (server-interceptors.ts handleTimeoutHeader), before the handler runs.
function badTimeoutCase(value: string): BadCase {
  return { name: `grpc-timeout '${value}' -> INTERNAL, trailers-only`, headers: { 'grpc-timeout': value }, body: [request], grpcStatus: Status.INTERNAL, trailersOnly: true };
}

const timeoutCases: readonly BadCase[] = [
  badTimeoutCase('abc'),
  badTimeoutCase('123456789S'),
  badTimeoutCase('10x'),
  badTimeoutCase(''),
  badTimeoutCase('-1S'),
  {
    name: "grpc-timeout '1m' on a slow server stream -> DEADLINE_EXCEEDED",
    path: PROBE_PATHS.slow,
    headers: { 'grpc-timeout': '1m' },
    body: [frameRequest({ text: 'slow', count: 50, delay_ms: 100 })],
    grpcStatus: Status.DEADLINE_EXCEEDED,
    allowBody: true,
  },
  {
    name: "grpc-timeout '1m' on a slow unary call -> DEADLINE_EXCEEDED, no reply",
    headers: { 'grpc-timeout': '1m' },
    body: [frameRequest({ text: 'slow', delay_ms: 1000 })],
    grpcStatus: Status.DEADLINE_EXCEEDED,
  },
  {
    name: "grpc-timeout '2S' on a quick call -> OK",
    headers: { 'grpc-timeout': '2S' },
    body: [request],
    grpcStatus: Status.OK,
  },
];

describeBadCases('bad input: content-type', contentTypeCases);
describeBadCases('bad input: path', pathCases);
describeBadCases('bad input: grpc-timeout', timeoutCases);
