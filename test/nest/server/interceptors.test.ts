import 'reflect-metadata';
// Interceptors around @GrpcHandler methods: they see the call through ExecutionContext.switchToRpc()
// (data: the request or request Observable; context: the CallContext) and can map the response stream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, UseInterceptors } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { from, isObservable, map, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import type { CallContext } from '../../../lib/server/call-context.js';
import { CATALOG_PROTO, hostControllers, TEST_TIMEOUT } from './fixtures.js';
import type { HostedApp } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';

interface ItemRequest { id: number; count: number }
interface Item { id: number; name: string }

/** Reports what it saw of the call in trailing metadata and upper-cases every response's name. */
class ShoutInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler<Item>): Observable<Item> {
    const rpc = context.switchToRpc();
    const call = rpc.getContext<CallContext>();
    const data = rpc.getData<unknown>();
    const request = isObservable(data) ? 'an Observable' : JSON.stringify({ id: (data as ItemRequest).id });
    call.setTrailingMetadata({
      'x-seen-path': call.method.path, 'x-seen-request': request, 'x-seen-user': call.metadata.get('x-user').join(','),
      'x-seen-type': context.getType(), 'x-seen-handler': `${context.getClass().name}.${context.getHandler().name}`,
    });
    return next.handle().pipe(map((item) => ({ ...item, name: item.name.toUpperCase() })));
  }
}

/** Registered globally: counts calls per method path. */
class CountingInterceptor implements NestInterceptor {
  static readonly counts = new Map<string, number>();
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const path = context.switchToRpc().getContext<CallContext>().method.path;
    CountingInterceptor.counts.set(path, (CountingInterceptor.counts.get(path) ?? 0) + 1);
    return next.handle();
  }
}

@Controller()
@UseInterceptors(ShoutInterceptor)
class Catalog {
  @GrpcHandler()
  getItem(@Payload() request: ItemRequest): Promise<Item> {
    return Promise.resolve({ id: request.id, name: 'quiet' });
  }

  @GrpcHandler()
  listItems(@Payload() request: ItemRequest): Observable<Item> {
    return from(Array.from({ length: request.count }, (_, i) => ({ id: i, name: `item ${i}` })));
  }

  @GrpcHandler()
  exchange(@Payload() requests: Observable<ItemRequest>): Observable<Item> {
    return requests.pipe(map((r) => ({ id: r.id, name: `echo ${r.id}` })));
  }

  @GrpcHandler('Catalog', 'get_by_sku')
  bySku(): Observable<Item> {
    return of({ id: 9, name: 'sku' });
  }
}

describe('interceptors', () => {
  let hosted: HostedApp;
  let peer: GrpcJsPeer;
  before(async () => {
    hosted = await hostControllers([Catalog], { setup: (app) => app.useGlobalInterceptors(new CountingInterceptor()) });
    peer = new GrpcJsPeer(hosted.address, CATALOG_PROTO);
  }, TEST_TIMEOUT);
  after(async () => { peer?.close(); await hosted?.app.close(); }, TEST_TIMEOUT);

  it('see the unary call via switchToRpc() and map its response', TEST_TIMEOUT, async () => {
    const outcome = await peer.unary('shop.Catalog/GetItem', { id: 4 }, { metadata: { 'x-user': 'ada' } });
    assert.deepEqual([outcome.code, outcome.responses], [0, [{ id: 4, name: 'QUIET', price: 0 }]]);
    assert.deepEqual(outcome.trailer, {
      'x-seen-path': ['/shop.Catalog/GetItem'], 'x-seen-request': ['{"id":4}'], 'x-seen-user': ['ada'],
      'x-seen-type': ['rpc'], 'x-seen-handler': ['Catalog.getItem'],
    });
  });

  it('map every message of a server stream', TEST_TIMEOUT, async () => {
    const outcome = await peer.serverStream('shop.Catalog/ListItems', { id: 1, count: 3 });
    assert.deepEqual(outcome.responses, [0, 1, 2].map((id) => ({ id, name: `ITEM ${id}`, price: 0 })));
    assert.deepEqual(outcome.trailer['x-seen-request'], ['{"id":1}']);
  });

  it('see a request stream as an Observable and map the bidi response stream', TEST_TIMEOUT, async () => {
    const outcome = await peer.bidi('shop.Catalog/Exchange', [{ id: 1 }, { id: 2 }]);
    assert.deepEqual(outcome.responses, [{ id: 1, name: 'ECHO 1', price: 0 }, { id: 2, name: 'ECHO 2', price: 0 }]);
    assert.deepEqual(outcome.trailer['x-seen-request'], ['an Observable']);
    assert.deepEqual(outcome.trailer['x-seen-path'], ['/shop.Catalog/Exchange']);
  });

  it('a global interceptor runs too, around the controller one', TEST_TIMEOUT, async () => {
    const before = CountingInterceptor.counts.get('/shop.Catalog/get_by_sku') ?? 0;
    const outcome = await peer.unary('shop.Catalog/get_by_sku', { sku: 'x' });
    assert.deepEqual(outcome.responses, [{ id: 9, name: 'SKU', price: 0 }]);
    assert.equal(CountingInterceptor.counts.get('/shop.Catalog/get_by_sku'), before + 1);
  });
});
