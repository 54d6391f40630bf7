// Oversized and bomb-shaped messages (maxReceiveMessageLength, default 4 MiB): refused from the prefix or while
// inflating, never by buffering the whole thing; each sent beside a healthy call on the same connection.
import { gzipSync } from 'node:zlib';
import { Status } from '../../lib/protocol/status.js';
import { describeBadCases, rawPrefix } from './bad-case.js';
import type { BadCase } from './bad-case.js';
import { frameRequest, PROBE_PATHS } from './probe-server.js';

const MiB = 1024 * 1024;
// 64 MiB of zeros gzip to about 64 KiB (deflate tops out near 1000:1): small on the wire, huge inflated.
const bomb = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
const bombFrame = Buffer.concat([rawPrefix(1, bomb.length), bomb]);

const defaultLimitCases: readonly BadCase[] = [
  {
    // Only the prefix and 1 KiB go out and the stream stays open: a server that waited for the
    // announced 5 MiB would never answer, and the case would time out.
    name: 'a prefix announcing 5 MiB, then 1 KiB, stream left open -> RESOURCE_EXHAUSTED',
    body: [rawPrefix(0, 5 * MiB), Buffer.alloc(1024)],
    endStream: false,
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: 'a prefix announcing 4 MiB + 1 byte, then END_STREAM -> RESOURCE_EXHAUSTED',
    body: [rawPrefix(0, 4 * MiB + 1)],
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: 'a prefix announcing 4 GiB - 1 -> RESOURCE_EXHAUSTED',
    body: [rawPrefix(0, 0xffffffff), Buffer.alloc(16)],
    endStream: false,
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: 'an oversized second message on a client stream -> RESOURCE_EXHAUSTED',
    path: PROBE_PATHS.collect,
    body: [frameRequest({ text: 'first' }), rawPrefix(0, 5 * MiB), Buffer.alloc(1024)],
    endStream: false,
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: `a gzip bomb (${Math.round(bomb.length / 1024)} KiB inflating to 64 MiB) -> RESOURCE_EXHAUSTED`,
    headers: { 'grpc-encoding': 'gzip' },
    body: [bombFrame],
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: 'a 3 MiB message under the limit -> OK',
    body: [frameRequest({ text: 'big', payload: Buffer.alloc(3 * MiB, 7) })],
    grpcStatus: Status.OK,
  },
];

const smallLimit = 1024;
const smallLimitCases: readonly BadCase[] = [
  {
    name: 'a 2 KiB message over a 1 KiB limit -> RESOURCE_EXHAUSTED',
    body: [frameRequest({ text: 'big', payload: Buffer.alloc(2048) })],
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: 'a small gzip message inflating past a 1 KiB limit -> RESOURCE_EXHAUSTED',
    headers: { 'grpc-encoding': 'gzip' },
    body: [frameRequest({ text: 'big', payload: Buffer.alloc(4096) }, 'gzip')],
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: 'a gzip bomb on a client stream over a 1 KiB limit -> RESOURCE_EXHAUSTED',
    path: PROBE_PATHS.collect,
    headers: { 'grpc-encoding': 'gzip' },
    body: [frameRequest({ text: 'first' }, 'gzip'), bombFrame],
    grpcStatus: Status.RESOURCE_EXHAUSTED,
  },
  {
    name: 'a message of 1 KiB with its prefix under a 1 KiB limit -> OK',
    body: [frameRequest({ text: 'fits', payload: Buffer.alloc(smallLimit - 16) })],
    grpcStatus: Status.OK,
  },
];

describeBadCases('bad input: limits (default 4 MiB)', defaultLimitCases);
describeBadCases('bad input: limits (1 KiB)', smallLimitCases, { maxReceiveMessageLength: smallLimit });
