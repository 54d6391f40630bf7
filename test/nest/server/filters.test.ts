import 'reflect-metadata';
// Exception filters around @GrpcHandler methods: GrpcExceptionFilter global (GrpcError as is,
// RpcException({ code, message }), HttpException by status, anything else UNKNOWN) and a user's
// @Catch(TheirError) filter per method answering throwError(() => new GrpcError(...)).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Catch, Controller, NotFoundException, UseFilters } from '@nestjs/common';
import type { RpcExceptionFilter } from '@nestjs/common';
import { Payload, RpcException } from '@nestjs/microservices';
import { concat, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import { Metadata } from '../../../lib/protocol/metadata.js';
import { Status } from '../../../lib/protocol/status.js';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import { CATALOG_PROTO, hostControllers, TEST_TIMEOUT } from './fixtures.js';
import type { HostedApp } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';

class OutOfStockError extends Error {
  constructor(readonly itemId: number) {
    super(`item ${itemId} is out of stock`);
  }
}

@Catch(OutOfStockError)
class OutOfStockFilter implements RpcExceptionFilter<OutOfStockError> {
  catch(error: OutOfStockError): Observable<never> {
    return throwError(() => new GrpcError(Status.FAILED_PRECONDITION, error.message,
      { metadata: new Metadata({ 'x-item': String(error.itemId) }) }));
  }
}

/** What GetItem throws, by the request's `kind`. */
const FAILURES: Record<string, (id: number) => unknown> = {
  'grpc-error': () => new GrpcError(Status.DATA_LOSS, 'the shelf fell', { metadata: new Metadata({ 'x-why': 'gravity' }) }),
  'rpc-exception': (id) => new RpcException({ code: Status.ALREADY_EXISTS, message: `item ${id} exists` }),
  'not-found': (id) => new NotFoundException(`no item ${id}`),
  'error': () => new Error('boom'),
  'out-of-stock': (id) => new OutOfStockError(id),
};

@Controller()
class Catalog {
  @GrpcHandler()
  @UseFilters(new OutOfStockFilter())
  async getItem(@Payload() request: { id: number; kind: string }): Promise<{ id: number }> {
    throw FAILURES[request.kind]?.(request.id) ?? new Error(`no failure ${request.kind}`);
  }

  @GrpcHandler()
  listItems(@Payload() request: { id: number }): Observable<{ id: number }> {
    return concat(of({ id: 1 }, { id: 2 }), throwError(() => new NotFoundException(`no item ${request.id}`)));
  }

  @GrpcHandler('Catalog', 'get_by_sku')
  bySku(): never {
    throw new OutOfStockError(5);
  }
}

const CASES = [
  { kind: 'grpc-error', code: Status.DATA_LOSS, details: 'the shelf fell', trailer: { 'x-why': ['gravity'] } },
  { kind: 'rpc-exception', code: Status.ALREADY_EXISTS, details: 'item 3 exists', trailer: {} },
  { kind: 'not-found', code: Status.NOT_FOUND, details: 'no item 3', trailer: {} },
  { kind: 'error', code: Status.UNKNOWN, details: 'Exception calling application: boom', trailer: {} },
  { kind: 'out-of-stock', code: Status.FAILED_PRECONDITION, details: 'item 3 is out of stock', trailer: { 'x-item': ['3'] } },
];

describe('exception filters', () => {
  let hosted: HostedApp;
  let peer: GrpcJsPeer;
  before(async () => {
    hosted = await hostControllers([Catalog]);
    peer = new GrpcJsPeer(hosted.address, CATALOG_PROTO);
  }, TEST_TIMEOUT);
  after(async () => { peer?.close(); await hosted?.app.close(); }, TEST_TIMEOUT);

  for (const expected of CASES) {
    it(`a handler throwing ${expected.kind}: ${Status[expected.code]}`, TEST_TIMEOUT, async () => {
      const { code, details, trailer, responses } = await peer.unary('shop.Catalog/GetItem', { id: 3, kind: expected.kind });
      assert.deepEqual({ kind: expected.kind, code, details, trailer, responses: responses.length }, { ...expected, responses: 0 });
    });
  }

  it('a failing Observable after two messages: the messages, then the mapped status', TEST_TIMEOUT, async () => {
    const outcome = await peer.serverStream('shop.Catalog/ListItems', { id: 8 });
    assert.deepEqual([outcome.code, outcome.details], [Status.NOT_FOUND, 'no item 8']);
    assert.deepEqual(outcome.responses, [{ id: 1, name: '', price: 0 }, { id: 2, name: '', price: 0 }]);
  });

  it('a filter on one method does not catch for another: the global filter answers', TEST_TIMEOUT, async () => {
    const outcome = await peer.unary('shop.Catalog/get_by_sku', { sku: 'x' });
    assert.deepEqual([outcome.code, outcome.details], [Status.UNKNOWN, 'Exception calling application: item 5 is out of stock']);
  });
});
