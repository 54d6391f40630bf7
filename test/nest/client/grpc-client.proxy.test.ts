import 'reflect-metadata';
// GrpcClientProxy against a grpc-js server: Nest's getService() shape, metadata, deadlines, cancellation, options.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { firstValueFrom, from, lastValueFrom, of, take, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import { Metadata } from '../../../lib/protocol/metadata.js';
import { Status } from '../../../lib/protocol/status.js';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import type { ServiceStub } from '../../../lib/client/stub.js';
import type { CallOptions } from '../../../lib/client/call-options.js';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { GrpcServiceError } from '../../../lib/nest/client/service-error.js';
import type { ProxyMetadata } from '../../../lib/nest/client/proxy-service.js';
import { freePort, sleep } from '../../client/fixtures.js';
import { OTHER_PROTO, ROUTES_PROTO, RoutesClient, callNamed, startRoutesServer } from './routes-server.js';
import type { Item, RoutesServer } from './routes-server.js';

type Req = Partial<Item>;
type Unary = (request: Req, metadata?: ProxyMetadata | null, options?: CallOptions) => Observable<Item>;
type Streaming = (requests: Observable<Req> | Req[], metadata?: ProxyMetadata | null) => Observable<Item>;

/** The routes service as a Nest caller types it, lowerCamelCase names. */
interface RoutesService {
  getItem: Unary;
  listItems: Unary;
  collectHttpItems: Streaming;
  chat: Streaming;
  sleep: Unary;
}

const BOUND = { timeout: 5000 };

function collect<T>(source: Observable<T>): Promise<T[]> {
  return lastValueFrom(source.pipe(toArray()));
}

/** getService() methods fail as grpc-js's client does: a ServiceError-shaped error over the GrpcError. */
async function grpcErrorOf(source: Observable<unknown>): Promise<GrpcServiceError> {
  const err = await lastValueFrom(source).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof GrpcServiceError && err.grpcError instanceof GrpcError, `expected a GrpcServiceError, got ${String(err)}`);
  return err;
}

describe('GrpcClientProxy', BOUND, () => {
  let server: RoutesServer;
  let proxy: GrpcClientProxy;
  let routes: RoutesService;

  before(async () => {
    server = await startRoutesServer();
    proxy = new GrpcClientProxy({ url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO });
    routes = proxy.getService<RoutesService>('Routes');
  });
  after(async () => {
    await proxy.close();
    await server.stop();
  });

  it('offers every method under the names of a grpc-js client (as Nest\'s getService does)', () => {
    const expected = Object.keys(RoutesClient.prototype).sort();
    assert.deepEqual(Object.keys(proxy.getService('Routes')).sort(), expected);
    assert.ok(expected.includes('CollectHTTPItems') && expected.includes('collectHttpItems'));
  });

  it('calls all four shapes under the lowerCamelCase names', async () => {
    const unary = await firstValueFrom(routes.getItem({ name: 'a', count: 2 }));
    assert.equal(unary.name, 'got a');
    assert.deepEqual((await collect(routes.listItems({ name: 'n', count: 3 }))).map((i) => i.name), ['n-0', 'n-1', 'n-2']);
    const collected = await collect(routes.collectHttpItems(from([{ name: 'x' }, { name: 'y' }])));
    assert.deepEqual(collected.map((i) => i.name), ['x,y']);
    assert.deepEqual((await collect(routes.chat(of({ name: 'hi' }, { name: 'yo' })))).map((i) => i.name), ['HI', 'YO']);
  });

  it('calls the same methods under their .proto names, with a fully qualified service name', async () => {
    const service = proxy.getService<Record<string, Unary & Streaming>>('nestclient.v1.Routes');
    assert.equal((await firstValueFrom(service.GetItem!({ name: 'b' }))).name, 'got b');
    assert.equal((await collect(service.list_items!({ name: 'm', count: 2 }))).length, 2);
    assert.deepEqual((await collect(service.CollectHTTPItems!([{ name: 'p' }]))).map((i) => i.name), ['p']);
    assert.deepEqual((await collect(service.Chat!([{ name: 'q' }]))).map((i) => i.name), ['Q']);
  });

  it('sends our Metadata, a plain object and a grpc-js Metadata as the second argument', async () => {
    const ours = new Metadata({ 'x-user': 'alice', 'x-token-bin': Buffer.from([1, 2, 3]) });
    assert.deepEqual((await firstValueFrom(routes.getItem({ name: 'm1' }, ours))).metadata, { 'x-user': 'alice', 'x-token-bin': 'AQID' });
    assert.deepEqual((await firstValueFrom(routes.getItem({ name: 'm2' }, { 'x-user': 'bob' }))).metadata, { 'x-user': 'bob' });
    const theirs = new grpc.Metadata();
    theirs.set('x-user', 'carol');
    theirs.set('x-token-bin', Buffer.from([9]));
    assert.deepEqual((await firstValueFrom(routes.getItem({ name: 'm3' }, theirs))).metadata, { 'x-user': 'carol', 'x-token-bin': 'CQ==' });
    const streamed = await collect(routes.collectHttpItems(of({ name: 's' }), { 'x-user': 'dave' }));
    assert.deepEqual(streamed[0]?.metadata, { 'x-user': 'dave' });
  });

  it('rejects bad metadata at subscribe with a TypeError, as our Metadata validates', async () => {
    const call = routes.getItem({ name: 'bad' }, { 'x-when': new Date() as unknown as string });
    await assert.rejects(lastValueFrom(call), TypeError);
  });

  it('fails DEADLINE_EXCEEDED past the timeout or deadline option, and the server sees the call end', async () => {
    const err = await grpcErrorOf(routes.sleep({ name: 'late', count: 3000 }, undefined, { timeout: 50 }));
    assert.equal(err.code, Status.DEADLINE_EXCEEDED);
    await (await callNamed(server, 'late')).cancelled;
    // grpc-js's CallOptions.deadline (a Date), as Nest callers pass it.
    const byDate = await grpcErrorOf(routes.sleep({ name: 'later', count: 3000 }, new Metadata(), { deadline: new Date(Date.now() + 50) }));
    assert.equal(byDate.code, Status.DEADLINE_EXCEEDED);
  });

  it('passes server errors on with code, details and message as grpc-js words them, the GrpcError as grpcError', async () => {
    const err = await grpcErrorOf(routes.getItem({ name: 'missing' }));
    assert.deepEqual([err.code, err.details, err.message], [Status.NOT_FOUND, 'no such item', '5 NOT_FOUND: no such item']);
    assert.deepEqual([err.grpcError.code, err.grpcError.message], [Status.NOT_FOUND, 'no such item']);
  });

  it('compresses requests when the options say so', async () => {
    assert.equal((await firstValueFrom(routes.getItem({ name: 'zip' }, null, { compression: 'gzip' }))).name, 'got zip');
  });

  it('cancels on unsubscribe: the server sees a server stream and a unary call cancelled', async () => {
    const first = await firstValueFrom(routes.listItems({ name: 'endless', count: -1 }).pipe(take(2), toArray()));
    assert.equal(first.length, 2);
    await (await callNamed(server, 'endless')).cancelled;
    const subscription = routes.sleep({ name: 'nap', count: 3000 }).subscribe();
    await callNamed(server, 'nap');
    subscription.unsubscribe();
    await (await callNamed(server, 'nap')).cancelled;
  });

  it('resolves short names in each package in order, and fully qualified names anywhere', () => {
    const both = new GrpcClientProxy({ url: server.address, package: ['nestclient.other', 'nestclient.v1'], protoPath: [ROUTES_PROTO, OTHER_PROTO] });
    assert.deepEqual(Object.keys(both.getService('Routes')).sort(), ['Ping', 'ping']);
    assert.ok('GetItem' in both.getService('nestclient.v1.Routes'));
    assert.throws(() => both.getService('Nope'), /gRPC service "Nope" is not in package nestclient.other, nestclient.v1/);
  });

  it('refuses an unknown package, a missing protoPath and credentials that are not grpc-js\'s at construction', () => {
    assert.throws(() => new GrpcClientProxy({ package: 'nope', protoPath: ROUTES_PROTO }), /package "nope" has no service/);
    assert.throws(() => new GrpcClientProxy({ protoPath: undefined as unknown as string }), TypeError);
    const withCredentials = { protoPath: ROUTES_PROTO, credentials: {} };
    assert.throws(() => new GrpcClientProxy(withCredentials), /"credentials" option takes a grpc-js ChannelCredentials object, got Object: .*\{ tls: \{ ca, key, cert \} \}/);
  });

  it('gives the standalone stub from getClientByServiceName and the GrpcClient from unwrap', async () => {
    const stub = proxy.getClientByServiceName<ServiceStub>('Routes');
    assert.equal(((await stub.GetItem!.promise!({ name: 'stub' })) as Item).name, 'got stub');
    assert.ok(proxy.unwrap() instanceof GrpcClient);
  });

  it('reconnects after close(): a later call opens a new connection', async () => {
    const own = new GrpcClientProxy({ url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO });
    const service = own.getService<RoutesService>('Routes');
    await own.connect();
    assert.equal((await firstValueFrom(service.getItem({ name: 'before' }))).name, 'got before');
    await own.close();
    assert.equal((await firstValueFrom(service.getItem({ name: 'after' }))).name, 'got after');
    await own.close();
  });

  it('passes waitForReady and reconnectBackoff on: per call in getService options, and as the default for send()', async () => {
    const url = `127.0.0.1:${await freePort()}`;
    const reconnectBackoff = { initialMs: 20, maxMs: 50 };
    const perCall = new GrpcClientProxy({ url, package: 'nestclient.v1', protoPath: ROUTES_PROTO, reconnectBackoff });
    const waiting = new GrpcClientProxy({ url, package: 'nestclient.v1', protoPath: ROUTES_PROTO, reconnectBackoff, waitForReady: true });
    let late: RoutesServer | undefined;
    try {
      const service = perCall.getService<RoutesService>('Routes');
      const early = firstValueFrom(service.getItem({ name: 'early' }, null, { waitForReady: true }));
      const sent = firstValueFrom(waiting.send<Item>({ service: 'Routes', method: 'GetItem' }, { name: 'sent' }));
      // No server yet: a call without waitForReady fails at once.
      assert.equal((await grpcErrorOf(service.getItem({ name: 'now' }))).code, Status.UNAVAILABLE);
      await sleep(100);
      late = await startRoutesServer(Number(url.split(':')[1]));
      assert.equal((await early).name, 'got early');
      assert.equal((await sent).name, 'got sent');
    } finally {
      await perCall.close();
      await waiting.close();
      await late?.stop();
    }
  });
});
