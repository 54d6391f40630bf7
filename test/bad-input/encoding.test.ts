// Bad message compression (gRPC's doc/compression.md): a compressed flag without an encoding, an encoding the server
// does not know, bytes that do not inflate; each sent beside a healthy call on the same connection.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { Status } from '../../lib/protocol/status.js';
import { assertAcceptsStandardEncodings, describeBadCases, rawPrefix } from './bad-case.js';
import type { BadCase } from './bad-case.js';
import { decodeReplies, frameRequest } from './probe-server.js';

const plain = frameRequest({ text: 'plain' });
const gzipped = frameRequest({ text: 'zipped' }, 'gzip');
// The gzipped frame's body with its compressed flag, but bytes no inflater accepts.
const corrupt = Buffer.concat([rawPrefix(1, 8), Buffer.from('notgzip!')]);

function withFlag(frame: Buffer, flag: number): Buffer {
  const copy = Buffer.from(frame);
  copy[0] = flag;
  return copy;
}

const cases: readonly BadCase[] = [
  {
    name: 'compressed flag 1 with no grpc-encoding (identity) -> INTERNAL',
    body: [withFlag(plain, 1)],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: "compressed flag 1 with grpc-encoding 'identity' -> INTERNAL",
    headers: { 'grpc-encoding': 'identity' },
    body: [withFlag(plain, 1)],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: "grpc-encoding 'snappy' -> UNIMPLEMENTED listing identity, deflate, gzip",
    headers: { 'grpc-encoding': 'snappy' },
    body: [withFlag(plain, 1)],
    grpcStatus: Status.UNIMPLEMENTED,
    check: assertAcceptsStandardEncodings,
  },
  {
    name: 'gzip encoding, compressed flag, corrupt gzip bytes -> INTERNAL',
    headers: { 'grpc-encoding': 'gzip' },
    body: [corrupt],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'deflate encoding given gzip bytes -> INTERNAL',
    headers: { 'grpc-encoding': 'deflate' },
    body: [gzipped],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'gzip encoding, a gzip stream cut short -> INTERNAL',
    headers: { 'grpc-encoding': 'gzip' },
    body: [Buffer.concat([rawPrefix(1, 12), gzipped.subarray(5, 17)])],
    grpcStatus: Status.INTERNAL,
  },
  {
    name: 'gzip encoding, valid gzip -> OK',
    headers: { 'grpc-encoding': 'gzip' },
    body: [gzipped],
    grpcStatus: Status.OK,
    // The client accepts nothing but identity (no grpc-accept-encoding), so the reply is plain.
    check: (response) => assert.deepEqual(decodeReplies(response.body).map((reply) => reply.text), ['echo:zipped']),
  },
  {
    name: 'deflate encoding, a valid zlib body -> OK',
    headers: { 'grpc-encoding': 'deflate' },
    body: [Buffer.concat([rawPrefix(1, deflateSync(plain.subarray(5)).length), deflateSync(plain.subarray(5))])],
    grpcStatus: Status.OK,
  },
  {
    name: 'gzip encoding with an uncompressed message (flag 0) -> OK',
    headers: { 'grpc-encoding': 'gzip' },
    body: [plain],
    grpcStatus: Status.OK,
  },
];

describeBadCases('bad input: compression', cases);
