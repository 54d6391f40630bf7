// Server interceptors on GrpcServer: each call's start and metadata, messages in and out with their wire sizes,
// and its final status, for every call shape, errors, cancellation and deadlines.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { describe, it } from 'node:test';
import { Observable } from 'rxjs';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { IncomingCall, ServedCallEnd, ServerInterceptor } from '../../lib/server/server-interceptor.js';
import { callUnary, collectStream, delay, startHarness, withHarness } from '../server/fixtures.js';
import type { Item } from '../server/fixtures.js';

interface Seen {
  start?: IncomingCall;
  tag?: string;
  received: number[];
  sent: number[];
  end?: ServedCallEnd;
  order: string[];
}

function recorder(name: string, seen: Seen): ServerInterceptor {
  return {
    onStart(call) {
      seen.start = call;
      seen.tag = call.metadata.get('x-tag')[0] as string | undefined;
      return {
        runHandler(handler) { seen.order.push(`run ${name}`); return handler(); },
        onReceiveMessage(_message, bytes) { seen.received.push(bytes); },
        onSendMessage(_message, bytes) { seen.sent.push(bytes); },
        onEnd(end) { seen.order.push(`end ${name}`); seen.end = end; },
      };
    },
  };
}

function fresh(): Seen {
  return { received: [], sent: [], order: [] };
}

/** Resolves once onEnd ran (it runs when the status is sent, which may be after the client saw it). */
async function ended(seen: Seen): Promise<ServedCallEnd> {
  for (let i = 0; i < 200 && seen.end === undefined; i++) await delay(5);
  assert.ok(seen.end !== undefined, 'onEnd was not called');
  return seen.end;
}

describe('server interceptors', () => {
  it('see a unary call: start, metadata, message sizes, status; run the handler outermost-first, end in reverse', async () => {
    const seen = fresh();
    const other = fresh();
    await withHarness(startHarness({ Unary: (req: Item) => ({ text: req.text.toUpperCase() }) },
      { interceptors: [recorder('a', seen), recorder('b', other)] }), async (harness) => {
      const metadata = new grpc.Metadata();
      metadata.set('x-tag', 'seven');
      const outcome = await callUnary(harness.client, { text: 'hello' }, {}, metadata);
      assert.equal(outcome.response?.text, 'HELLO');
      const end = await ended(seen);
      await ended(other);
      assert.equal(seen.start?.method.path, '/servertest.Shapes/Unary');
      assert.equal(seen.tag, 'seven');
      assert.equal(seen.start?.peerAddress, '127.0.0.1');
      assert.ok((seen.start?.peerPort ?? 0) > 0);
      assert.equal(seen.start?.peer, `127.0.0.1:${seen.start?.peerPort}`);
      assert.equal(seen.start?.localPort, harness.port);
      // Item{text:'hello'} = tag, length, 5 bytes.
      assert.deepEqual(seen.received, [7]);
      assert.deepEqual(seen.sent, [7]);
      assert.equal(end.code, Status.OK);
      assert.equal(end.bytesReceived, 7);
      assert.equal(end.messagesSent, 1);
      assert.deepEqual([...seen.order, ...other.order].sort(), ['end a', 'end b', 'run a', 'run b']);
      assert.equal(seen.order[0], 'run a');
    });
  });

  it('count each message of a bidi stream and the status a handler error becomes', async () => {
    const seen = fresh();
    await withHarness(startHarness({
      Bidi: (requests: never) => {
        const source = requests as unknown as Observable<Item>;
        return new Observable<Item>((subscriber) => {
          let n = 0;
          source.subscribe({
            next: (item) => { n++; subscriber.next({ text: item.text } as Item); },
            complete: () => subscriber.error(new GrpcError(Status.NOT_FOUND, `gone after ${n}`)),
          });
        });
      },
    }, { interceptors: [recorder('a', seen)] }), async (harness) => {
      const call = harness.client['Bidi']!();
      const done = collectStream(call);
      for (const text of ['a', 'bb', 'ccc']) call.write({ text });
      call.end();
      const outcome = await done;
      assert.equal(outcome.status.code, Status.NOT_FOUND);
      const end = await ended(seen);
      assert.deepEqual(seen.received, [3, 4, 5]);
      assert.deepEqual(seen.sent, [3, 4, 5]);
      assert.equal(end.code, Status.NOT_FOUND);
      assert.equal(end.message, 'gone after 3');
      assert.ok(end.error instanceof GrpcError);
    });
  });

  it('report UNKNOWN with the thrown error as cause', async () => {
    const seen = fresh();
    const thrown = new Error('boom');
    await withHarness(startHarness({ Unary: () => { throw thrown; } }, { interceptors: [recorder('a', seen)] }), async (harness) => {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.code, Status.UNKNOWN);
      const end = await ended(seen);
      assert.equal(end.code, Status.UNKNOWN);
      assert.equal(end.error?.cause, thrown);
    });
  });

  it('report DEADLINE_EXCEEDED at the deadline and CANCELLED when the client cancels', async () => {
    const late = fresh();
    await withHarness(startHarness({ Unary: () => new Promise(() => undefined) }, { interceptors: [recorder('a', late)] }), async (harness) => {
      // A raw request with grpc-timeout and no deadline of its own: the server's deadline, not a client cancel, ends it.
      const trailers = await rawCall(harness.port, '/servertest.Shapes/Unary', { 'grpc-timeout': '50m' });
      assert.equal(trailers['grpc-status'], String(Status.DEADLINE_EXCEEDED));
      assert.equal((await ended(late)).code, Status.DEADLINE_EXCEEDED);
      assert.ok(late.start?.deadline !== undefined);
    });
    const cancelled = fresh();
    await withHarness(startHarness({ ServerStream: () => new Promise(() => undefined) }, { interceptors: [recorder('a', cancelled)] }), async (harness) => {
      const call = harness.client['ServerStream']!({});
      call.on('error', () => undefined);
      await delay(50);
      call.cancel();
      assert.equal((await ended(cancelled)).code, Status.CANCELLED);
    });
  });

  it('may return nothing for a call, and then see none of it', async () => {
    let starts = 0;
    await withHarness(startHarness({ Unary: () => ({}) }, { interceptors: [{ onStart: () => { starts++; return undefined; } }] }), async (harness) => {
      assert.equal((await callUnary(harness.client, {})).status.code, Status.OK);
      assert.equal((await callUnary(harness.client, {})).status.code, Status.OK);
      assert.equal(starts, 2);
    });
  });
});

/** One empty request over a bare HTTP/2 stream; resolves with the trailers (or trailers-only headers). */
function rawCall(port: number, path: string, extra: Record<string, string>): Promise<IncomingHttpHeaders> {
  const session = connect(`http://127.0.0.1:${port}`);
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...extra });
    let headers: IncomingHttpHeaders = {};
    stream.on('response', (h) => { headers = h; });
    stream.on('trailers', (t) => { headers = t; });
    stream.on('error', reject);
    stream.on('close', () => { session.close(); resolve(headers); });
    stream.resume();
    stream.end(encodeFrame(Buffer.alloc(0), false));
  });
}
