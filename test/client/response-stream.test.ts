// The pull form of response streams: `for await` over stub.Method.stream(...) against a grpc-js server, and how
// the iterator pauses and resumes its call as the caller pulls.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import type { CallSink } from '../../lib/client/client-call.js';
import { ResponseStream } from '../../lib/client/response-stream.js';
import type { PausableCall } from '../../lib/client/response-stream.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { startEchoServer } from './echo-server.js';
import type { EchoReply, EchoServer } from './echo-server.js';
import { CANCEL_SEEN_MS, OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, echoMethod, echoService, sleep, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';

async function pullAll<T>(responses: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const value of responses) all.push(value);
  return all;
}

describe('pulled response streams against a grpc-js server', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: EchoServer;
  let client: GrpcClient;
  let stub: EchoStub;

  before(async () => {
    server = await startEchoServer();
    client = new GrpcClient(server.address);
    stub = client.getService<EchoStub>(echoService);
  });
  after(async () => {
    await client.close({ force: true });
    await server.stop();
  });

  it('for await yields the server stream in order, then ends', async () => {
    const replies = await within(OUTCOME_WAIT_MS, pullAll(stub.ServerStream.stream!({ text: 's', count: 40 })), 'stream');
    assert.deepEqual(replies.map((r) => r.text), Array.from({ length: 40 }, (_, i) => `s-${i}`));
  });

  it('a bidi call takes its requests as for the Observable form', async () => {
    const replies = await within(OUTCOME_WAIT_MS, pullAll(stub.Bidi.stream!([{ text: 'a' }, { text: 'b' }])), 'stream');
    assert.deepEqual(replies.map((r) => r.text), ['A', 'B']);
  });

  it('GrpcClient.stream pulls a unary response too', async () => {
    const replies = await within(OUTCOME_WAIT_MS, pullAll(client.stream(echoMethod('Unary'), { text: 'one' })), 'stream');
    assert.deepEqual(replies.map((r) => (r as EchoReply).text), ['one']);
  });

  it('the messages before a failure come first; then the loop throws the GrpcError with its trailers', async () => {
    const seen: string[] = [];
    const err = await within(OUTCOME_WAIT_MS, (async () => {
      try {
        for await (const reply of stub.ServerStream.stream!({ text: 'e', count: 3, mode: 'error' })) seen.push(reply.text);
      } catch (e) {
        return e;
      }
      throw new Error('the loop ended without the failure');
    })(), 'stream');
    assert.deepEqual(seen, ['e-0', 'e-1', 'e-2']);
    assert.ok(err instanceof GrpcError);
    assert.equal(Status[err.code], Status[Status.ABORTED]);
    assert.equal(err.message, 'stream broke');
    assert.deepEqual(err.metadata.get('x-trailer'), ['bye']);
  });

  it('starts at the first pull, not before', async () => {
    const before = server.calls.length;
    const responses = stub.ServerStream.stream!({ text: 'lazy', count: 1 });
    await sleep(50);
    assert.equal(server.calls.length, before);
    assert.deepEqual((await within(OUTCOME_WAIT_MS, pullAll(responses), 'stream')).map((r) => r.text), ['lazy-0']);
    assert.equal(server.calls.length, before + 1);
  });

  it('breaking out of the loop cancels the call on the server', async () => {
    const before = server.calls.length;
    for await (const reply of stub.ServerStream.stream!({ text: 'h', count: 2, mode: 'hang' })) {
      assert.equal(reply.text, 'h-0');
      break;
    }
    await within(CANCEL_SEEN_MS, server.calls[before]!.cancelledSignal, 'server sees the cancel');
  });

  it('bad call options fail the first pull, not the stream() call', async () => {
    const responses = stub.ServerStream.stream!({ text: 'x', count: 1 }, { compression: 'snappy' as 'gzip' });
    await assert.rejects(responses.next(), TypeError);
    assert.deepEqual(await responses.next(), { done: true, value: undefined });
  });

  it('only response-streaming methods have .stream()', () => {
    assert.equal(typeof stub.ServerStream.stream, 'function');
    assert.equal(typeof stub.Bidi.stream, 'function');
    assert.equal((stub.Unary as { stream?: unknown }).stream, undefined);
    assert.equal((stub.ClientStream as { stream?: unknown }).stream, undefined);
  });
});

interface FakeCall {
  /** What the iterator asked of its call, in order. */
  readonly log: string[];
  /** The start function given to ResponseStream: records the sink the iterator hands over. */
  start(sink: CallSink<number>): PausableCall;
  /** Delivers as the call would. */
  sink(): CallSink<number>;
}

function fakeCall(): FakeCall {
  const log: string[] = [];
  let captured: CallSink<number> | undefined;
  const call: PausableCall = {
    pauseResponses: () => log.push('pause'),
    resumeResponses: () => log.push('resume'),
    unsubscribe: () => log.push('cancel'),
  };
  return {
    log,
    start: (sink) => { captured = sink; return call; },
    sink: () => captured!,
  };
}

describe('ResponseStream pausing', () => {
  it('pauses its call at 16 undelivered messages and resumes once half are pulled', async () => {
    const fake = fakeCall();
    const responses = new ResponseStream<number>(fake.start);
    const first = responses.next();
    fake.sink().next(0);
    assert.deepEqual(await first, { done: false, value: 0 });
    for (let i = 1; i <= 15; i++) fake.sink().next(i);
    assert.deepEqual(fake.log, []);
    fake.sink().next(16);
    assert.deepEqual(fake.log, ['pause']);
    for (let i = 1; i <= 7; i++) assert.equal((await responses.next()).value, i);
    assert.deepEqual(fake.log, ['pause']);
    assert.equal((await responses.next()).value, 8);
    assert.deepEqual(fake.log, ['pause', 'resume']);
    fake.sink().complete();
    const rest: number[] = [];
    for await (const value of responses) rest.push(value);
    assert.deepEqual(rest, [9, 10, 11, 12, 13, 14, 15, 16]);
    assert.deepEqual(fake.log, ['pause', 'resume'], 'a completed call is not cancelled');
  });

  it('return() before the end cancels the call and drops what is held', async () => {
    const fake = fakeCall();
    const responses = new ResponseStream<number>(fake.start);
    const first = responses.next();
    fake.sink().next(1);
    fake.sink().next(2);
    await first;
    assert.deepEqual(await responses.return(), { done: true, value: undefined });
    assert.deepEqual(fake.log, ['cancel']);
    assert.deepEqual(await responses.next(), { done: true, value: undefined });
  });
});
