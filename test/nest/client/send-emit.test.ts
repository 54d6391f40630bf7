import 'reflect-metadata';
// ClientProxy's send() and emit() on GrpcClientProxy: a { service, method } or path pattern calls that method;
// send() gives the responses, emit() runs the call at once and completes on status OK.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import { Status } from '../../../lib/protocol/status.js';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { parsePattern } from '../../../lib/nest/client/grpc-pattern.js';
import { ROUTES_PROTO, callNamed, startRoutesServer } from './routes-server.js';
import type { Item, RoutesServer } from './routes-server.js';

const BOUND = { timeout: 5000 };

function collect<T>(source: Observable<T>): Promise<T[]> {
  return lastValueFrom(source.pipe(toArray()));
}

describe('parsePattern', BOUND, () => {
  const valid: Array<[unknown, string, string]> = [
    [{ service: 'Routes', method: 'GetItem' }, 'Routes', 'GetItem'],
    [{ service: 'Routes', rpc: 'getItem' }, 'Routes', 'getItem'],
    ['nestclient.v1.Routes/Chat', 'nestclient.v1.Routes', 'Chat'],
    ['/nestclient.v1.Routes/Chat', 'nestclient.v1.Routes', 'Chat'],
  ];
  for (const [pattern, service, method] of valid) {
    it(`reads ${JSON.stringify(pattern)}`, () => assert.deepEqual(parsePattern(pattern), { service, method }));
  }
  for (const pattern of ['Routes', '/Chat', 'Routes/', { service: 'Routes' }, { method: 'Chat' }, 42, null]) {
    it(`refuses ${JSON.stringify(pattern)}`, () => assert.throws(() => parsePattern(pattern), TypeError));
  }
});

describe('GrpcClientProxy send() and emit()', BOUND, () => {
  let server: RoutesServer;
  let proxy: GrpcClientProxy;

  before(async () => {
    server = await startRoutesServer();
    proxy = new GrpcClientProxy({ url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO });
  });
  after(async () => {
    await proxy.close();
    await server.stop();
  });

  it('send() calls each of the four shapes and gives every response', async () => {
    const unary = await collect(proxy.send<Item>({ service: 'Routes', method: 'GetItem' }, { name: 'u' }));
    assert.deepEqual(unary.map((i) => i.name), ['got u']);
    const listed = await collect(proxy.send<Item>({ service: 'nestclient.v1.Routes', rpc: 'listItems' }, { name: 'l', count: 2 }));
    assert.deepEqual(listed.map((i) => i.name), ['l-0', 'l-1']);
    const collected = await collect(proxy.send<Item>('nestclient.v1.Routes/CollectHTTPItems', of({ name: 'a' }, { name: 'b' })));
    assert.deepEqual(collected.map((i) => i.name), ['a,b']);
    const chat = await collect(proxy.send<Item>('/nestclient.v1.Routes/Chat', [{ name: 'x' }]));
    assert.deepEqual(chat.map((i) => i.name), ['X']);
  });

  it('send() is cold: nothing is called before subscribe', async () => {
    const pending = proxy.send<Item>({ service: 'Routes', method: 'GetItem' }, { name: 'cold' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.calls.some((call) => call.name === 'cold'), false);
    assert.equal((await firstValueFrom(pending)).name, 'got cold');
  });

  it('send() fails with the GrpcError, and with a TypeError or Error for a bad pattern or method', async () => {
    const err = await lastValueFrom(proxy.send({ service: 'Routes', method: 'GetItem' }, { name: 'missing' })).catch((e: unknown) => e);
    assert.ok(err instanceof GrpcError && err.code === Status.NOT_FOUND);
    await assert.rejects(lastValueFrom(proxy.send('Routes', {})), TypeError);
    await assert.rejects(lastValueFrom(proxy.send({ service: 'Routes', method: 'Nope' }, {})), /has no method "Nope"/);
    await assert.rejects(lastValueFrom(proxy.send({ service: 'Nope', method: 'GetItem' }, {})), /gRPC service "Nope"/);
  });

  it('emit() runs the call without a subscriber and completes on status OK', async () => {
    proxy.emit({ service: 'Routes', method: 'GetItem' }, { name: 'fire' });
    await callNamed(server, 'fire');
    const done = await collect(proxy.emit({ service: 'Routes', method: 'listItems' }, { name: 'evt', count: 3 }));
    assert.deepEqual(done, [undefined]);
  });

  it('emit() errors with the GrpcError when the call fails', async () => {
    const err = await lastValueFrom(proxy.emit({ service: 'Routes', method: 'GetItem' }, { name: 'missing' })).catch((e: unknown) => e);
    assert.ok(err instanceof GrpcError && err.code === Status.NOT_FOUND);
  });

  it('sends the metadata a dispatch hook attaches to the packet', async () => {
    const hooked = new GrpcClientProxy({ url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO });
    hooked.setOnDispatchHook((packet) => { packet.metadata = { 'x-trace-id': 'abc123' }; });
    try {
      const reply = await firstValueFrom(hooked.send<Item>({ service: 'Routes', method: 'GetItem' }, { name: 'traced' }));
      assert.deepEqual(reply.metadata, { 'x-trace-id': 'abc123' });
      await lastValueFrom(hooked.emit({ service: 'Routes', method: 'GetItem' }, { name: 'traced-event' }));
      assert.deepEqual((await callNamed(server, 'traced-event')).metadata, { 'x-trace-id': 'abc123' });
    } finally {
      await hooked.close();
    }
  });
});
