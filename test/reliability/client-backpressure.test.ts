// A server streaming far more than a stalled caller reads: the pull form of our client holds memory to the HTTP/2
// windows and holds the server back, as grpc-js's client does under `for await`. Clients run in a child process.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ECHO_PROTO } from '../client/echo-server.js';
import type { EchoReply, EchoRequest } from '../client/echo-server.js';
import { within } from '../client/fixtures.js';
import type { MemoryReport, StallEnding } from './client-memory-child.js';

const MiB = 1024 * 1024;
const MESSAGE_BYTES = 256 * 1024;
/** 256 MiB in all. */
const MESSAGE_COUNT = 1024;
const STREAMED_BYTES = MESSAGE_BYTES * MESSAGE_COUNT;
const STALL_MS = 1500;
/**
 * Growth allowed while the caller stalls: the 4 MiB stream window, the messages held before pausing (16 x 256 KiB),
 * decoding buffers and heap noise, far below the 256 MiB a reader of everything would hold.
 */
const STALL_GROWTH_BOUND = 48 * MiB;
/** Sent by the server before the caller read them, beyond which the server was not held back. */
const SERVER_AHEAD_BOUND = 128;
const CHILD_WAIT_MS = 60_000;

/** A grpc-js server whose ServerStream writes `count` messages as fast as its stream accepts them (it honours 'drain'). */
async function startStreamingServer(): Promise<{ address: string; written: () => number; stop(): void }> {
  const definition = protoLoader.loadSync(ECHO_PROTO, { keepCase: true, defaults: true });
  const Echo = (grpc.loadPackageDefinition(definition).clienttest as grpc.GrpcObject).Echo as grpc.ServiceClientConstructor;
  const server = new grpc.Server();
  let written = 0;
  const payload = Buffer.alloc(MESSAGE_BYTES, 7);
  server.addService(Echo.service, {
    Unary: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) =>
      callback(null, { text: call.request.text, index: 0, payload: Buffer.alloc(0) }),
    ServerStream: async (call: grpc.ServerWritableStream<EchoRequest, EchoReply>) => {
      written = 0;
      for (let i = 0; i < call.request.count && !call.cancelled; i++) {
        written++;
        if (!call.write({ text: '', index: i, payload })) await new Promise((resolve) => call.once('drain', resolve));
      }
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => err ? reject(err) : resolve(bound)));
  return { address: `127.0.0.1:${port}`, written: () => written, stop: () => server.forceShutdown() };
}

/** Runs the child with one client kind; resolves with its report and how many messages the server had written by the stall's end. */
async function runChild(kind: string, address: string, written: () => number): Promise<{ report: MemoryReport; writtenAtStall: number }> {
  const script = fileURLToPath(new URL('./client-memory-child.js', import.meta.url));
  const child = fork(script, [kind, address, String(MESSAGE_COUNT), String(STALL_MS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // Counted when the child says its stall is ending, before it reads on: what the server wrote for a caller that
  // had read one message.
  let writtenAtStall = -1;
  try {
    const report = await within(CHILD_WAIT_MS, new Promise<MemoryReport>((resolve, reject) => {
      child.on('message', (message: MemoryReport | StallEnding) => {
        if (!('stallEnding' in message)) {
          resolve(message);
          return;
        }
        writtenAtStall = written();
        child.send('read on');
      });
      child.once('exit', (code) => reject(new Error(`child exited ${code} without a report`)));
    }), `${kind} child`);
    return { report, writtenAtStall };
  } finally {
    child.kill();
  }
}

describe('client backpressure: 256 MiB streamed to a caller that stalls', { timeout: 3 * CHILD_WAIT_MS }, () => {
  let server: Awaited<ReturnType<typeof startStreamingServer>>;
  before(async () => { server = await startStreamingServer(); });
  after(() => server.stop());

  for (const kind of ['ours-pull', 'grpc-js']) {
    it(`client=${kind}: memory stays near the windows, the server is held back, every message arrives`, async () => {
      const { report, writtenAtStall } = await runChild(kind, server.address, server.written);
      assert.equal(report.error, undefined);
      assert.equal(report.received, MESSAGE_COUNT);
      assert.equal(report.bytes, STREAMED_BYTES);
      assert.ok(writtenAtStall >= 0 && writtenAtStall < SERVER_AHEAD_BOUND,
        `server wrote ${writtenAtStall} of ${MESSAGE_COUNT} messages while the caller had read one`);
      const growth = report.stallPeakRss - report.baselineRss;
      assert.ok(growth < STALL_GROWTH_BOUND, `RSS grew ${(growth / MiB).toFixed(1)} MiB while the caller stalled`);
    });
  }
});
