// Peers that go away mid-call: the TCP connection dropped, or the stream reset with RST_STREAM CANCEL.
// The handler's AbortSignal must fire, nothing more is written, no error escapes, and the server keeps serving.
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import type { ClientHttp2Stream } from 'node:http2';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { CASE_TIMEOUT_MS, expectHealthyEcho, rawPrefix } from './bad-case.js';
import type { CallRecord } from './call-log.js';
import { frameRequest, PROBE_PATHS, startProbeServer } from './probe-server.js';
import type { ProbeServer } from './probe-server.js';
import { RawClient } from './raw-client.js';

interface VanishCase {
  readonly name: string;
  readonly path: string;
  readonly body: readonly Buffer[];
  /** Half-close after the body; server-streaming handlers start only then. */
  readonly endStream: boolean;
  /** When to cut: after the handler read a message, or after it sent some replies. */
  readonly cutWhen: (record: CallRecord) => boolean;
  // 'fin'/'tcp-reset': the TCP connection drops. 'rst-cancel': stream.close(NGHTTP2_CANCEL), which (like a
  // grpc-js cancel) sends END_STREAM first when the request is still open. 'destroy': RST_STREAM, no END_STREAM.
  readonly cut: 'fin' | 'tcp-reset' | 'rst-cancel' | 'destroy';
}

const one = frameRequest({ text: 'a' });
// The handler is still working (2 s) after the half-close that stream.close() sends before its RST_STREAM.
const oneThenWork = frameRequest({ text: 'a', delay_ms: 2000 });
const slowForever = frameRequest({ text: 'slow', count: 1_000_000, delay_ms: 1, payload: Buffer.alloc(16 * 1024) });
const hasMessage = (record: CallRecord): boolean => record.messages >= 1;
const hasReplies = (record: CallRecord): boolean => record.replies >= 5;
const collect = PROBE_PATHS.collect;
const slow = PROBE_PATHS.slow;

const cases: readonly VanishCase[] = [
  { name: 'socket closed while a client stream is open', path: collect, body: [one], endStream: false, cutWhen: hasMessage, cut: 'fin' },
  { name: 'TCP reset in the middle of a client message', path: collect, body: [one, rawPrefix(0, 100), Buffer.alloc(10)], endStream: false, cutWhen: hasMessage, cut: 'tcp-reset' },
  { name: 'client stream destroyed (RST_STREAM without END_STREAM)', path: collect, body: [one], endStream: false, cutWhen: hasMessage, cut: 'destroy' },
  { name: 'RST_STREAM CANCEL while a client-streaming handler works', path: collect, body: [oneThenWork], endStream: false, cutWhen: hasMessage, cut: 'rst-cancel' },
  { name: 'socket closed while a server stream is being written', path: slow, body: [slowForever], endStream: true, cutWhen: hasReplies, cut: 'fin' },
  { name: 'TCP reset while a server stream is being written', path: slow, body: [slowForever], endStream: true, cutWhen: hasReplies, cut: 'tcp-reset' },
  { name: 'RST_STREAM CANCEL while a server stream is being written', path: slow, body: [slowForever], endStream: true, cutWhen: hasReplies, cut: 'rst-cancel' },
];

function cutOff(peer: RawClient, stream: ClientHttp2Stream, cut: VanishCase['cut']): void {
  if (cut === 'rst-cancel') stream.close(constants.NGHTTP2_CANCEL);
  else if (cut === 'destroy') stream.destroy();
  else peer.vanish(cut === 'tcp-reset');
}

describe('bad input: a peer that vanishes', { timeout: 60_000 }, () => {
  let server: ProbeServer;
  let peer: RawClient;
  const escaped: unknown[] = [];
  const record = (err: unknown): void => { escaped.push(err); };

  before(async () => {
    process.on('uncaughtExceptionMonitor', record);
    process.on('unhandledRejection', record);
    server = await startProbeServer();
  });
  after(async () => {
    process.off('uncaughtExceptionMonitor', record);
    process.off('unhandledRejection', record);
    await server?.close();
  });
  beforeEach(async () => {
    escaped.length = 0;
    peer = await RawClient.connect(server.port);
  });
  afterEach(async () => { await peer.close(); });

  for (const [index, vanish] of cases.entries()) {
    it(vanish.name, { timeout: CASE_TIMEOUT_MS }, async () => {
      const tag = `vanish-${index}`;
      const { stream, response } = peer.open({ path: vanish.path, headers: { 'x-tag': tag }, body: vanish.body, endStream: vanish.endStream });
      // A vanished peer never sees its response; only the stream's closing matters.
      const closed = response.catch((err: unknown) => err);
      await server.log.waitFor(tag, vanish.cutWhen);
      // A stream reset leaves the session up: a healthy call on it is in flight across the reset.
      const dropsConnection = vanish.cut === 'fin' || vanish.cut === 'tcp-reset';
      const beside = dropsConnection ? undefined : expectHealthyEcho(peer, `beside ${vanish.name}`);
      cutOff(peer, stream, vanish.cut);

      const cancelled = await server.log.waitFor(tag, (call) => call.aborted);
      assert.ok(cancelled.abortReason instanceof GrpcError, 'the signal fires with a GrpcError');
      assert.equal(cancelled.abortReason.code, Status.CANCELLED);
      await closed;
      if (vanish.path === slow) {
        // The reply pump stops: the generator is returned, and no reply is produced after the cut.
        const done = await server.log.waitFor(tag, (call) => call.finished);
        const replies = done.replies;
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(server.log.get(tag)?.replies, replies, 'no reply produced after the cut');
      }
      const serverStream = server.serverStreams.get(tag);
      assert.ok(serverStream !== undefined);
      if (vanish.path === collect) {
        // The client stream was cut before any answer: the server wrote nothing, not even headers.
        assert.equal(serverStream.headersSent, false, 'no response headers after the cut');
      }
      assert.ok(serverStream.closed, 'the server stream is closed');

      // The server still serves: on the same session after a stream reset, on a new connection after a drop.
      await beside;
      if (dropsConnection) peer = await RawClient.connect(server.port);
      else assert.deepEqual(peer.sessionErrors, [], 'the session outlives the reset');
      await expectHealthyEcho(peer, `after ${vanish.name}`);
      // rxjs rethrows subscriber errors on a timer: give them a beat to surface.
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(escaped, [], 'no uncaught exception or unhandled rejection');
    });
  }

  it('RST_STREAM CANCEL on a unary call while the handler works: signal fires, nothing written', { timeout: CASE_TIMEOUT_MS }, async () => {
    const tag = 'vanish-unary';
    const healthy = expectHealthyEcho(peer, 'beside a unary reset');
    const { stream, response } = peer.open({ path: PROBE_PATHS.echo, headers: { 'x-tag': tag }, body: [frameRequest({ text: 'x', delay_ms: 2000 })] });
    await server.log.waitFor(tag, () => true);
    stream.close(constants.NGHTTP2_CANCEL);
    const cancelled = await server.log.waitFor(tag, (call) => call.aborted);
    assert.ok(cancelled.abortReason instanceof GrpcError && cancelled.abortReason.code === Status.CANCELLED);
    const closedWith = await response;
    assert.equal(closedWith.httpStatus, undefined, 'the client saw no response');
    await healthy;
    // The handler returns right after its signal fired; its answer must go nowhere.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.serverStreams.get(tag)?.headersSent, false, 'no response headers after the reset');
    assert.deepEqual(escaped, []);
  });
});
