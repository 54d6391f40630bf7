import 'reflect-metadata';
// Guards and pipes around @GrpcHandler methods, with GrpcExceptionFilter global: a denying guard is
// PERMISSION_DENIED, an HttpException from a guard or pipe maps by its HTTP status (400 INVALID_ARGUMENT).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BadRequestException, Controller, UnauthorizedException, UseGuards, UsePipes } from '@nestjs/common';
import type { CanActivate, ExecutionContext, PipeTransform } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { lastValueFrom, toArray } from 'rxjs';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import type { CallContext } from '../../../lib/server/call-context.js';
import { CATALOG_PROTO, hostControllers, TEST_TIMEOUT } from './fixtures.js';
import type { HostedApp } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';

const INVALID_ARGUMENT = 3;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

interface ItemRequest { id: number; kind: string }

/** Lets a call through only with `x-token: secret`; reads it from the CallContext switchToRpc() exposes. */
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToRpc().getContext<CallContext>().metadata.get('x-token')[0] === 'secret';
  }
}

class ExpiredGuard implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException('token expired');
  }
}

/** What a ValidationPipe does, without class-validator: every problem, in one BadRequestException. */
class ItemRequestPipe implements PipeTransform<ItemRequest, ItemRequest> {
  transform(value: ItemRequest): ItemRequest {
    const problems: string[] = [];
    if (value.id <= 0) problems.push('id must be a positive number');
    if (value.kind !== '' && value.kind !== 'book') problems.push('kind must be one of the following values: book');
    if (problems.length > 0) throw new BadRequestException(problems);
    return { ...value, kind: 'book' };
  }
}

class SkuPipe implements PipeTransform<{ sku: string }, { sku: string }> {
  transform(value: { sku: string }): { sku: string } {
    if (value.sku === '') throw new BadRequestException('sku should not be empty');
    return value;
  }
}

@Controller()
@UseGuards(TokenGuard)
class Catalog {
  @GrpcHandler()
  getItem(@Payload(ItemRequestPipe) request: ItemRequest): { id: number; name: string } {
    return { id: request.id, name: request.kind };
  }

  @GrpcHandler()
  async sumPrices(@Payload() requests: Observable<ItemRequest>): Promise<{ messages: number }> {
    return { messages: (await lastValueFrom(requests.pipe(toArray()))).length };
  }

  @GrpcHandler()
  @UseGuards(ExpiredGuard)
  listItems(): Array<{ id: number }> {
    return [{ id: 1 }];
  }

  @GrpcHandler('Catalog', 'get_by_sku')
  @UsePipes(SkuPipe)
  bySku(@Payload() request: { sku: string }): { name: string } {
    return { name: request.sku };
  }
}

describe('guards and pipes', () => {
  let hosted: HostedApp;
  let peer: GrpcJsPeer;
  before(async () => {
    hosted = await hostControllers([Catalog]);
    peer = new GrpcJsPeer(hosted.address, CATALOG_PROTO);
  }, TEST_TIMEOUT);
  after(async () => { peer?.close(); await hosted?.app.close(); }, TEST_TIMEOUT);
  const token = { metadata: { 'x-token': 'secret' } };

  it('a guard that denies: PERMISSION_DENIED, for unary and request-streaming calls', TEST_TIMEOUT, async () => {
    const unary = await peer.unary('shop.Catalog/GetItem', { id: 1 });
    assert.deepEqual([unary.code, unary.details, unary.responses], [PERMISSION_DENIED, 'Forbidden resource', []]);
    const stream = await peer.clientStream('shop.Catalog/SumPrices', [{ id: 1 }]);
    assert.deepEqual([stream.code, stream.details], [PERMISSION_DENIED, 'Forbidden resource']);
  });

  it('a guard that allows: the call runs', TEST_TIMEOUT, async () => {
    const unary = await peer.unary('shop.Catalog/GetItem', { id: 1 }, token);
    assert.deepEqual([unary.code, unary.responses], [0, [{ id: 1, name: 'book', price: 0 }]]);
    const stream = await peer.clientStream('shop.Catalog/SumPrices', [{ id: 1 }, { id: 2 }], token);
    assert.deepEqual([stream.code, stream.responses], [0, [{ sum: 0, messages: 2 }]]);
  });

  it('a guard throwing UnauthorizedException: UNAUTHENTICATED with its message', TEST_TIMEOUT, async () => {
    const outcome = await peer.serverStream('shop.Catalog/ListItems', {}, token);
    assert.deepEqual([outcome.code, outcome.details, outcome.responses], [UNAUTHENTICATED, 'token expired', []]);
  });

  it('a validating pipe failing with BadRequestException: INVALID_ARGUMENT with every message', TEST_TIMEOUT, async () => {
    const one = await peer.unary('shop.Catalog/GetItem', { id: 0 }, token);
    assert.deepEqual([one.code, one.details], [INVALID_ARGUMENT, 'id must be a positive number']);
    const both = await peer.unary('shop.Catalog/GetItem', { id: -1, kind: 'toy' }, token);
    assert.deepEqual([both.code, both.details],
      [INVALID_ARGUMENT, 'id must be a positive number; kind must be one of the following values: book']);
  });

  it('@UsePipes on the method: the pipe runs on the payload', TEST_TIMEOUT, async () => {
    const empty = await peer.unary('shop.Catalog/get_by_sku', { sku: '' }, token);
    assert.deepEqual([empty.code, empty.details], [INVALID_ARGUMENT, 'sku should not be empty']);
    const given = await peer.unary('shop.Catalog/get_by_sku', { sku: 'B-2' }, token);
    assert.deepEqual([given.code, given.responses], [0, [{ id: 0, name: 'B-2', price: 0 }]]);
  });
});
