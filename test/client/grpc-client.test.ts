// GrpcClient against a real @grpc/grpc-js server: the four call shapes, metadata both ways, error statuses.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, from, of } from 'rxjs';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { Metadata } from '../../lib/protocol/metadata.js';
import { Status } from '../../lib/protocol/status.js';
import type { StatusInfo } from '../../lib/protocol/trailers.js';
import { startEchoServer } from './echo-server.js';
import type { EchoServer } from './echo-server.js';
import { OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, collect, echoService, grpcErrorOf, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';

describe('GrpcClient with a grpc-js server', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: EchoServer;
  let client: GrpcClient;
  let stub: EchoStub;

  before(async () => {
    server = await startEchoServer();
    client = new GrpcClient(server.address);
    stub = client.getService<EchoStub>(echoService);
  });
  after(async () => {
    await client.close();
    await server.stop();
  });

  it('has one function per proto method, .promise only on unary responses', () => {
    assert.deepEqual(Object.keys(stub).sort(), ['Bidi', 'ClientStream', 'ServerStream', 'Unary']);
    assert.equal(typeof stub.Unary.promise, 'function');
    assert.equal(typeof stub.ClientStream.promise, 'function');
    assert.equal(stub.ServerStream.promise, undefined);
    assert.equal(stub.Bidi.promise, undefined);
  });

  it('unary: promise and Observable', async () => {
    assert.equal((await stub.Unary.promise({ text: 'hi' })).text, 'hi');
    const replies = await collect(stub.Unary({ text: 'obs' }));
    assert.deepEqual(replies.map((r) => r.text), ['obs']);
  });

  it('unary: calls share one connection and run concurrently', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const replies = await Promise.all(texts.map((text) => stub.Unary.promise({ text })));
    assert.deepEqual(replies.map((r) => r.text), texts);
  });

  it('client streaming from an array, a generator, an async generator and an Observable', async () => {
    function* sync() { yield { text: 'a' }; yield { text: 'b' }; }
    async function* asyncGen() { yield { text: 'c' }; await new Promise((r) => setTimeout(r, 5)); yield { text: 'd' }; }
    assert.equal((await stub.ClientStream.promise([{ text: 'x' }, { text: 'y' }])).text, 'x,y');
    assert.equal((await stub.ClientStream.promise(sync())).text, 'a,b');
    assert.equal((await stub.ClientStream.promise(asyncGen())).text, 'c,d');
    assert.equal((await stub.ClientStream.promise(of({ text: 'e' }, { text: 'f' }))).text, 'e,f');
    assert.equal((await stub.ClientStream.promise([])).text, '');
  });

  it('server streaming delivers every message in order, then completes', async () => {
    const replies = await collect(stub.ServerStream({ text: 's', count: 5 }));
    assert.deepEqual(replies.map((r) => `${r.text}/${r.index}`), ['s-0/0', 's-1/1', 's-2/2', 's-3/3', 's-4/4']);
  });

  it('bidi streaming: replies interleave with requests', async () => {
    const requests = new Subject<{ text: string }>();
    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stub.Bidi(requests).subscribe({
        next: (reply) => {
          seen.push(reply.text);
          // Send the next request only after the previous echo: proves both directions are live at once.
          if (seen.length < 3) requests.next({ text: `msg${seen.length}` });
          else requests.complete();
        },
        error: reject,
        complete: resolve,
      });
    });
    requests.next({ text: 'msg0' });
    await within(OUTCOME_WAIT_MS, done, 'bidi');
    assert.deepEqual(seen, ['MSG0', 'MSG1', 'MSG2']);
    assert.deepEqual((await collect(stub.Bidi(from([{ text: 'q' }])))).map((r) => r.text), ['Q']);
  });

  it('sends text and -bin metadata, and a user-agent', async () => {
    const reply = await stub.Unary.promise({ mode: 'echo-metadata' }, {
      metadata: { 'x-text': 'value', 'x-data-bin': Buffer.from([0, 1, 255]), 'x-many': ['1', '2'] },
    });
    assert.match(reply.text, /x-text=value/);
    assert.match(reply.text, /x-data-bin=0001ff/);
    const md = server.calls.at(-1)!.metadata;
    // Both values go out; node:http2 joins repeated headers with ', ' on receipt, for grpc-js clients too.
    assert.deepEqual(md.get('x-many'), ['1, 2']);
    assert.match(String(md.get('user-agent')[0]), /^nestjs-grpc-transport\/\d/);
  });

  it('a caller\'s user-agent goes before ours', async () => {
    await stub.Unary.promise({}, { metadata: { 'user-agent': 'my-app/2' } });
    assert.match(String(server.calls.at(-1)!.metadata.get('user-agent')[0]), /^my-app\/2 nestjs-grpc-transport\//);
  });

  it('accepts a Metadata instance and a list of pairs', async () => {
    const md = new Metadata();
    md.add('x-a', '1');
    let reply = await stub.Unary.promise({ mode: 'echo-metadata' }, { metadata: md });
    assert.match(reply.text, /x-a=1/);
    reply = await stub.Unary.promise({ mode: 'echo-metadata' }, { metadata: [['x-b', '2']] });
    assert.match(reply.text, /x-b=2/);
  });

  it('receives initial metadata (onMetadata) and trailing metadata (onStatus)', async () => {
    let initial: Metadata | undefined;
    let status: StatusInfo | undefined;
    const reply = await stub.Unary.promise({ text: 't', mode: 'metadata' }, {
      onMetadata: (md) => { initial = md; },
      onStatus: (s) => { status = s; },
    });
    assert.equal(reply.text, 't');
    assert.deepEqual(initial?.get('x-initial'), ['hello']);
    assert.deepEqual(initial?.get('x-initial-bin'), [Buffer.from([0xde, 0xad])]);
    assert.equal(status?.code, Status.OK);
    assert.deepEqual(status?.metadata.get('x-trailer'), ['bye']);
    assert.deepEqual(status?.metadata.get('x-trailer-bin'), [Buffer.from([1, 2, 3])]);
    assert.deepEqual(status?.metadata.get('grpc-status'), []);
  });

  it('an error status becomes a GrpcError with code, message and trailing metadata', async () => {
    let status: StatusInfo | undefined;
    const err = await grpcErrorOf(stub.Unary.promise({ mode: 'error' }, { onStatus: (s) => { status = s; } }));
    assert.equal(err.code, Status.NOT_FOUND);
    assert.equal(err.message, 'no such thing: ünïcode');
    assert.deepEqual(err.metadata.get('x-trailer'), ['bye']);
    assert.equal(status?.code, Status.NOT_FOUND);
    assert.equal(status?.message, 'no such thing: ünïcode');
  });

  it('a server stream that fails after messages delivers them, then the error', async () => {
    const got: string[] = [];
    const err = await grpcErrorOf(new Promise((resolve, reject) => {
      stub.ServerStream({ text: 'e', count: 3, mode: 'error' }).subscribe({ next: (r) => got.push(r.text), error: reject, complete: () => resolve(undefined) });
    }));
    assert.deepEqual(got, ['e-0', 'e-1', 'e-2']);
    assert.equal(err.code, Status.ABORTED);
    assert.equal(err.message, 'stream broke');
    assert.deepEqual(err.metadata.get('x-trailer-bin'), [Buffer.from([1, 2, 3])]);
  });

  it('a failing request stream cancels the call with CANCELLED', async () => {
    async function* broken() { yield { text: 'a' }; throw new Error('source broke'); }
    const err = await grpcErrorOf(stub.ClientStream.promise(broken()));
    assert.equal(err.code, Status.CANCELLED);
    assert.match(err.message, /source broke/);
  });

  it('reserved or invalid metadata fails the call with a TypeError', async () => {
    await assert.rejects(stub.Unary.promise({}, { metadata: { 'grpc-status': '0' } }), TypeError);
    await assert.rejects(stub.Unary.promise({}, { metadata: { 'x-bad': 'line\nbreak' } }), TypeError);
  });
});
