import 'reflect-metadata';
// Any @GrpcHandler may answer with a value, a Promise, an Observable or an async iterable, for all four
// call shapes, with and without an interceptor (Nest then wraps the answer in an Observable).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { from, lastValueFrom, map, of, reduce, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import type { CallContext } from '../../../lib/server/call-context.js';
import { CATALOG_PROTO, hostControllers, TEST_TIMEOUT } from './fixtures.js';
import type { HostedApp } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';

interface ItemRequest { id: number; count: number }
interface Item { id: number; name: string; price: number }

const item = (id: number): Item => ({ id, name: `item ${id}`, price: 0 });

async function* iterate<T>(values: Observable<T>): AsyncIterable<T> {
  yield* await lastValueFrom(values.pipe(toArray()));
}

/** The answer the 'x-answer' metadata asks for: one value (unary) or several (streams). */
function answer<T>(context: CallContext, values: Observable<T>, single: boolean): unknown {
  const kind = context.metadata.get('x-answer')[0];
  switch (kind) {
    case 'promise': return lastValueFrom(values.pipe(toArray())).then((all) => (single ? all[0] : all));
    case 'observable': return values;
    case 'async-iterable': return iterate(values);
    default: throw new Error(`unknown answer kind ${String(kind)}`);
  }
}

@Controller()
class Catalog {
  @GrpcHandler()
  getItem(@Payload() request: ItemRequest, @Ctx() context: CallContext): unknown {
    return context.metadata.get('x-answer')[0] === 'value' ? item(request.id) : answer(context, of(item(request.id)), true);
  }

  @GrpcHandler()
  listItems(@Payload() request: ItemRequest, @Ctx() context: CallContext): unknown {
    const items = Array.from({ length: request.count }, (_, i) => item(i + 1));
    return context.metadata.get('x-answer')[0] === 'value' ? items : answer(context, from(items), false);
  }

  @GrpcHandler()
  sumPrices(@Payload() requests: Observable<ItemRequest>, @Ctx() context: CallContext): unknown {
    const total = requests.pipe(reduce((t, r) => ({ sum: t.sum + r.id, messages: t.messages + 1 }), { sum: 0, messages: 0 }));
    return answer(context, total, true);
  }

  @GrpcHandler()
  exchange(@Payload() requests: Observable<ItemRequest>, @Ctx() context: CallContext): unknown {
    return answer(context, requests.pipe(map((r) => item(r.id * 10))), false);
  }
}

class PassThrough implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

const SHAPES = [
  { name: 'unary', kinds: ['value', 'promise', 'observable', 'async-iterable'],
    call: (peer: GrpcJsPeer, metadata: Record<string, string>) => peer.unary('shop.Catalog/GetItem', { id: 3 }, { metadata }),
    expected: [item(3)] },
  { name: 'server stream', kinds: ['value', 'promise', 'observable', 'async-iterable'],
    call: (peer: GrpcJsPeer, metadata: Record<string, string>) => peer.serverStream('shop.Catalog/ListItems', { count: 3 }, { metadata }),
    expected: [item(1), item(2), item(3)] },
  { name: 'client stream', kinds: ['promise', 'observable', 'async-iterable'],
    call: (peer: GrpcJsPeer, metadata: Record<string, string>) =>
      peer.clientStream('shop.Catalog/SumPrices', [{ id: 1 }, { id: 2 }], { metadata }),
    expected: [{ sum: 3, messages: 2 }] },
  { name: 'bidi stream', kinds: ['promise', 'observable', 'async-iterable'],
    call: (peer: GrpcJsPeer, metadata: Record<string, string>) =>
      peer.bidi('shop.Catalog/Exchange', [{ id: 1 }, { id: 2 }], { metadata }),
    expected: [item(10), item(20)] },
];

for (const interceptor of [false, true]) {
  describe(`@GrpcHandler answers${interceptor ? ' through an interceptor' : ''}`, () => {
    let hosted: HostedApp;
    let peer: GrpcJsPeer;
    before(async () => {
      hosted = await hostControllers([Catalog], { setup: (app) => { if (interceptor) app.useGlobalInterceptors(new PassThrough()); } });
      peer = new GrpcJsPeer(hosted.address, CATALOG_PROTO);
    }, TEST_TIMEOUT);
    after(async () => { peer?.close(); await hosted?.app.close(); }, TEST_TIMEOUT);

    for (const shape of SHAPES) {
      for (const kind of shape.kinds) {
        it(`${shape.name} answered with ${kind === 'value' && shape.name !== 'unary' ? 'an array' : `a ${kind}`}`, TEST_TIMEOUT, async () => {
          const outcome = await shape.call(peer, { 'x-answer': kind });
          assert.deepEqual({ code: outcome.code, details: outcome.details, responses: outcome.responses },
            { code: 0, details: '', responses: shape.expected });
        });
      }
    }
  });
}
