// Malformed Length-Prefixed-Messages (PROTOCOL-HTTP2 "Length-Prefixed-Message") and wrong message counts
// for unary methods, each sent beside a healthy call on the same connection.
import { Status } from '../../lib/protocol/status.js';
import { describeBadCases, rawPrefix } from './bad-case.js';
import type { BadCase } from './bad-case.js';
import { frameRequest, PROBE_PATHS } from './probe-server.js';

const valid = frameRequest({ text: 'fine' });

const framingCases: readonly BadCase[] = [
  {
    name: 'a length prefix longer than the body, then END_STREAM -> INTERNAL',
    body: [rawPrefix(0, 100), Buffer.alloc(10)],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'a truncated 5-byte prefix at end of stream -> INTERNAL',
    body: [Buffer.from([0, 0, 0])],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'a whole message followed by half a prefix -> INTERNAL',
    body: [valid, Buffer.from([0, 0])],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'a flag byte of 2 -> INTERNAL',
    body: [rawPrefix(2, 0)],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'a flag byte of 0xff on a client stream -> INTERNAL',
    path: PROBE_PATHS.collect,
    body: [valid, rawPrefix(0xff, 1), Buffer.from([0])],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'a client stream cut inside its second message -> INTERNAL',
    path: PROBE_PATHS.collect,
    body: [valid, rawPrefix(0, 50), Buffer.alloc(20)],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'a protobuf that does not decode (ff ff ff) -> INTERNAL',
    body: [Buffer.concat([rawPrefix(0, 3), Buffer.from([0xff, 0xff, 0xff])])],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'an undecodable protobuf on a client stream -> INTERNAL',
    path: PROBE_PATHS.collect,
    body: [valid, rawPrefix(0, 3), Buffer.from([0xff, 0xff, 0xff])],
    grpcStatus: Status.INTERNAL,
  },
];

// grpc-js answers both with UNIMPLEMENTED ('Received a second request message' / 'Received no request
// message', server.ts handleUnary); dispatch.ts does the same.
const unaryCountCases: readonly BadCase[] = [
  {
    name: 'a unary method given two messages -> UNIMPLEMENTED',
    body: [valid, frameRequest({ text: 'again' })],
    grpcStatus: Status.UNIMPLEMENTED,
  },
  {
    name: 'a unary method given zero messages -> UNIMPLEMENTED',
    body: [],
    grpcStatus: Status.UNIMPLEMENTED,
  },
  {
    name: 'a server-streaming method given zero messages -> UNIMPLEMENTED',
    path: PROBE_PATHS.slow,
    body: [],
    grpcStatus: Status.UNIMPLEMENTED,
  },
  {
    name: 'an empty message (zero-length frame) is a valid request -> OK',
    body: [rawPrefix(0, 0)],
    grpcStatus: Status.OK,
  },
];

describeBadCases('bad input: framing', framingCases);
describeBadCases('bad input: unary message count', unaryCountCases);
