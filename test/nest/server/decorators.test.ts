import 'reflect-metadata';
// @GrpcHandler names (defaults as Nest's @GrpcMethod, explicit ones matching the .proto exactly),
// and what @Payload() and @Ctx() hand a handler: the request or request Observable, the CallContext.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { isObservable, lastValueFrom, reduce } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import type { CallContext } from '../../../lib/server/call-context.js';
import { CATALOG_PROTO, hostControllers, TEST_TIMEOUT } from './fixtures.js';
import type { HostedApp } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';

interface ItemRequest { id: number }
interface Seen { request: unknown; context: CallContext; observable?: boolean }
const seen: Seen[] = [];

/** Named by default: service 'Catalog' (the class), methods 'GetItem' and 'SumPrices'. */
@Controller()
class Catalog {
  @GrpcHandler()
  getItem(@Payload() request: ItemRequest, @Ctx() context: CallContext): { id: number; name: string } {
    seen.push({ request, context });
    context.sendMetadata({ 'x-initial': 'sent' });
    context.setTrailingMetadata({ 'x-trailing': 'set' });
    return { id: request.id, name: 'by default name' };
  }

  @GrpcHandler()
  sumPrices(@Payload() requests: Observable<ItemRequest>, @Ctx() context: CallContext): Promise<{ sum: number }> {
    seen.push({ request: requests, context, observable: isObservable(requests) });
    return lastValueFrom(requests.pipe(reduce((total, r) => ({ sum: total.sum + r.id }), { sum: 0 })));
  }
}

@Controller()
class Named {
  @GrpcHandler('Catalog', 'get_by_sku')
  bySku(@Payload() request: { sku: string }): { name: string } {
    return { name: `sku ${request.sku}` };
  }

  @GrpcHandler('shop.Inventory', 'Count')
  count(): { sum: number } {
    return { sum: 42 };
  }
}

describe('@GrpcHandler, @Payload and @Ctx', () => {
  let hosted: HostedApp;
  let peer: GrpcJsPeer;
  before(async () => {
    hosted = await hostControllers([Catalog, Named]);
    peer = new GrpcJsPeer(hosted.address, CATALOG_PROTO);
  }, TEST_TIMEOUT);
  after(async () => { peer?.close(); await hosted?.app.close(); }, TEST_TIMEOUT);

  it('names default to the class name and the capitalised method name', TEST_TIMEOUT, async () => {
    const outcome = await peer.unary('shop.Catalog/GetItem', { id: 1 });
    assert.deepEqual([outcome.code, outcome.responses], [0, [{ id: 1, name: 'by default name', price: 0 }]]);
  });

  it('explicit names: a snake_case method as written, a short or a qualified service', TEST_TIMEOUT, async () => {
    const bySku = await peer.unary('shop.Catalog/get_by_sku', { sku: 'A-1' });
    assert.deepEqual(bySku.responses, [{ id: 0, name: 'sku A-1', price: 0 }]);
    const count = await peer.unary('shop.Inventory/Count', {});
    assert.deepEqual(count.responses, [{ sum: 42, messages: 0 }]);
  });

  it('@Payload() is the request; @Ctx() is the CallContext of the call', TEST_TIMEOUT, async () => {
    const before = Date.now();
    const outcome = await peer.unary('shop.Catalog/GetItem', { id: 5 }, {
      metadata: { 'x-user': 'ada', 'x-token-bin': Buffer.from([1, 2]) }, timeoutMs: 5000,
    });
    assert.deepEqual([outcome.header, outcome.trailer], [{ 'x-initial': ['sent'] }, { 'x-trailing': ['set'] }]);
    const { request, context } = seen.at(-1)!;
    assert.deepEqual(request, { id: 5, kind: '', count: 0, size: 0, blob: Buffer.alloc(0) });
    assert.equal(context.method.path, '/shop.Catalog/GetItem');
    assert.deepEqual(context.metadata.get('x-user'), ['ada']);
    assert.deepEqual(context.metadata.get('x-token-bin'), [Buffer.from([1, 2])]);
    assert.match(context.peer, /^127\.0\.0\.1:\d+$/);
    assert.ok(context.deadline !== undefined && context.deadline > before && context.deadline <= before + 5100,
      `deadline ${context.deadline}`);
    assert.ok(context.signal instanceof AbortSignal);
    assert.equal(context.cancelled, false);
  });

  it('a request-streaming handler receives an Observable of the requests', TEST_TIMEOUT, async () => {
    const outcome = await peer.clientStream('shop.Catalog/SumPrices', [{ id: 1 }, { id: 2 }, { id: 4 }]);
    assert.deepEqual([outcome.code, outcome.responses], [0, [{ sum: 7, messages: 0 }]]);
    const last = seen.at(-1)!;
    assert.equal(last.observable, true);
    assert.equal(last.context.method.path, '/shop.Catalog/SumPrices');
    assert.equal(last.context.deadline, undefined);
  });
});
