import 'reflect-metadata';
// A ClientGrpc caller's code run on Nest's built-in client (grpc-js underneath) and on GrpcClientProxy, built from
// one options object, against one grpc-js server: the argument forms grpc-js accepts, and the fields of its errors.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ClientGrpcProxy } from '@nestjs/microservices';
import type { ClientGrpc, GrpcOptions } from '@nestjs/microservices';
import { lastValueFrom, of, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { GrpcServiceError } from '../../../lib/nest/client/service-error.js';
import { ROUTES_PROTO, startRoutesServer } from './routes-server.js';
import type { Item, RoutesServer } from './routes-server.js';

type Method = (...args: unknown[]) => Observable<Item>;
interface Routes { getItem: Method; listItems: Method; collectHttpItems: Method; sleep: Method }

/**
 * What a caller observes: the replies, or the error's grpc-js fields, metadata as base64 for -bin keys. A trailers-only
 * answer's content-type and date are left out: grpc-js lists them as metadata, ours does not, and no caller acts on them.
 */
type Seen = { replies: unknown[] } | { code: unknown; details: unknown; message: unknown; metadata: Record<string, string> };

async function observe(source: Observable<Item>): Promise<Seen> {
  try {
    return { replies: (await lastValueFrom(source.pipe(toArray()))).map(({ name, metadata }) => ({ name, metadata })) };
  } catch (caught) {
    const err = caught as { code?: unknown; details?: unknown; message?: unknown; metadata?: { getMap(): Record<string, unknown> } };
    const map = err.metadata?.getMap() ?? {};
    const metadata = Object.fromEntries(Object.entries(map).filter(([key]) => key !== 'content-type' && key !== 'date').map(([key, value]) => [key, Buffer.isBuffer(value) ? value.toString('base64') : String(value)]));
    return { code: err.code, details: err.details, message: err.message, metadata };
  }
}

const BOUND = { timeout: 10_000 };

describe('ClientGrpc callers: the built-in client and GrpcClientProxy from one options object', BOUND, () => {
  let server: RoutesServer;
  let builtIn: ClientGrpc & { close(): unknown };
  let ours: GrpcClientProxy;
  let pair: Array<[string, Routes]>;

  before(async () => {
    server = await startRoutesServer();
    const options: GrpcOptions['options'] = {
      url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO, loader: { keepCase: true, defaults: true },
    };
    builtIn = new ClientGrpcProxy(options);
    ours = new GrpcClientProxy(options);
    pair = [['built-in', builtIn.getService<Routes>('Routes')], ['GrpcClientProxy', ours.getService<Routes>('Routes')]];
  });
  after(async () => {
    builtIn.close();
    await ours.close();
    await server.stop();
  });

  async function same(scenario: (routes: Routes) => Observable<Item>): Promise<Seen> {
    const [[, expected], [, actual]] = await Promise.all(pair.map(async ([name, routes]) => [name, await observe(scenario(routes))] as const));
    assert.deepEqual(actual, expected, 'GrpcClientProxy as the built-in client');
    return expected!;
  }

  const metadata = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    md.set('x-user', 'carol');
    return md;
  };

  it('(request, { deadline }): call options as the second argument', async () => {
    assert.deepEqual(await same((r) => r.getItem({ name: 'a' }, { deadline: deadline() })), { replies: [{ name: 'got a', metadata: {} }] });
    assert.deepEqual(await same((r) => r.getItem({ name: 'b' }, { deadline: new Date(deadline()) })), { replies: [{ name: 'got b', metadata: {} }] });
  });

  it('(request, metadata) and (request, metadata, { deadline })', async () => {
    const echoed = { replies: [{ name: 'got m', metadata: { 'x-user': 'carol' } }] };
    assert.deepEqual(await same((r) => r.getItem({ name: 'm' }, metadata())), echoed);
    assert.deepEqual(await same((r) => r.getItem({ name: 'm' }, metadata(), { deadline: deadline() })), echoed);
  });

  it('a deadline given as the second argument is kept: DEADLINE_EXCEEDED', async () => {
    const seen = await Promise.all(pair.map(([, r]) => observe(r.sleep({ name: 'late', count: 3000 }, { deadline: Date.now() + 50 }))));
    assert.deepEqual(seen.map((s) => ('code' in s ? s.code : s)), [grpc.status.DEADLINE_EXCEEDED, grpc.status.DEADLINE_EXCEEDED]);
  });

  it('server stream and client stream take options second too', async () => {
    const listed = await same((r) => r.listItems({ name: 'n', count: 2 }, { deadline: deadline() }));
    assert.deepEqual(listed, { replies: [{ name: 'n-0', metadata: {} }, { name: 'n-1', metadata: {} }] });
    const collected = await same((r) => r.collectHttpItems(of({ name: 'x' }, { name: 'y' }), { deadline: deadline() }));
    assert.deepEqual(collected, { replies: [{ name: 'x,y', metadata: {} }] });
  });

  it('an error has code, details, metadata and message as grpc-js gives them', async () => {
    assert.deepEqual(await same((r) => r.getItem({ name: 'missing' })),
      { code: grpc.status.NOT_FOUND, details: 'no such item', message: '5 NOT_FOUND: no such item', metadata: {} });
    const rich = await same((r) => r.getItem({ name: 'rich' }));
    assert.equal('code' in rich && rich.message, '3 INVALID_ARGUMENT: bad item');
    assert.deepEqual('code' in rich && Object.keys(rich.metadata).sort(), ['grpc-status-details-bin', 'x-reason']);
  });

  it('our error also carries the GrpcError and the decoded google.rpc.Status', async () => {
    const err = await lastValueFrom(ours.getService<Routes>('Routes').getItem({ name: 'rich' })).catch((e: unknown) => e);
    assert.ok(err instanceof GrpcServiceError);
    assert.equal(err.rpcStatus?.message, 'bad item');
    assert.deepEqual(err.grpcError.detail('ErrorInfo'), { reason: 'QUOTA', domain: 'routes.test', metadata: {} });
  });
});

describe('GrpcClientProxy: what it cannot honour, and close()', BOUND, () => {
  let server: RoutesServer;
  let proxy: GrpcClientProxy;
  let routes: Routes;
  before(async () => {
    server = await startRoutesServer();
    proxy = new GrpcClientProxy({ url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO });
    routes = proxy.getService<Routes>('Routes');
  });
  after(async () => {
    await proxy.close();
    await server.stop();
  });

  it('refuses grpc-js call options it cannot honour, and a third argument after options, at subscribe', async () => {
    await assert.rejects(lastValueFrom(routes.getItem({ name: 'p' }, { deadline: deadline(), parent: {} })), /"parent" is not supported/);
    await assert.rejects(lastValueFrom(routes.getItem({ name: 'p' }, { deadline: deadline() }, { deadline: deadline() })), TypeError);
  });

  it('close() ends a long stream in flight CANCELLED at once, and the server sees it cancelled', async () => {
    const ticks: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      routes.listItems({ name: 'endless', count: -1 }).subscribe({ next: (i) => ticks.push(i.name), error: resolve, complete: () => resolve('completed') });
    });
    while (ticks.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await proxy.close();
    const err = await ended;
    assert.ok(err instanceof GrpcServiceError);
    assert.deepEqual([err.code, err.details], [grpc.status.CANCELLED, 'Cancelled on client']);
    await server.calls.find((call) => call.name === 'endless')?.cancelled;
  });
});

function deadline(): number {
  return Date.now() + 5000;
}
