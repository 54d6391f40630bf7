import 'reflect-metadata';
// Startup binding: a handler naming a service or method not in the loaded protos fails listen() with a
// message naming it (and what exists); a proto method without a handler answers UNIMPLEMENTED.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, MessagePattern } from '@nestjs/microservices';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import type { GrpcTransportOptions } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { BILLING_PROTO, CATALOG_PROTO, freePort, hostControllers, TEST_TIMEOUT } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';

const UNIMPLEMENTED = 12;

@Controller()
class UnknownService {
  @GrpcHandler('Catalogue', 'GetItem')
  getItem(): object { return {}; }
}

@Controller()
class UnknownMethod {
  @GrpcHandler('Catalog', 'GetItems')
  getItems(): object { return {}; }
}

/** Named by default, the method is 'GetBySku'; the .proto says 'get_by_sku'. */
@Controller()
class Catalog {
  @GrpcHandler()
  getBySku(): object { return {}; }
}

@Controller()
class StreamingWithGrpcMethod {
  @GrpcMethod('Catalog', 'SumPrices')
  sumPrices(): object { return {}; }
}

@Controller()
class Ledger {
  @GrpcHandler()
  balance(): object { return { owner: 'ada', cents: 1 }; }
}

@Controller()
class Served {
  @GrpcHandler('Catalog', 'GetItem')
  getItem(): object { return { name: 'served' }; }

  @MessagePattern({ cmd: 'not grpc' })
  other(): string { return 'a TCP-style pattern, not for this transport'; }
}

/** The error listen() fails with. */
async function listenError(controllers: Type[], options: Partial<GrpcTransportOptions> = {}): Promise<Error> {
  const strategy = new GrpcTransportStrategy({ url: `127.0.0.1:${await freePort()}`, protoPath: CATALOG_PROTO, ...options });
  const app = await NestFactory.createMicroservice({ controllers }, { strategy, logger: false });
  try {
    await app.listen();
  } catch (error) {
    return error as Error;
  } finally {
    await app.close();
  }
  throw new Error('listen() succeeded');
}

describe('binding handlers at startup', () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => { for (const step of cleanup.reverse()) await step(); }, TEST_TIMEOUT);

  it('an unknown service: named, with the services that exist', TEST_TIMEOUT, async () => {
    const { message } = await listenError([UnknownService]);
    assert.match(message, /Catalogue\.GetItem: no service "Catalogue"/);
    assert.match(message, /known services: shop\.Catalog, shop\.Inventory/);
  });

  it('an unknown method: named, with the methods of the service', TEST_TIMEOUT, async () => {
    const { message } = await listenError([UnknownMethod]);
    assert.match(message, /service shop\.Catalog has no method "GetItems"/);
    assert.match(message, /GetItem, ListItems, SumPrices, Exchange, get_by_sku, NotServed/);
  });

  it('a snake_case proto method needs its name given: the default does not match', TEST_TIMEOUT, async () => {
    const { message } = await listenError([Catalog]);
    assert.match(message, /no method "GetBySku"/);
    assert.match(message, /get_by_sku/);
  });

  it('every problem is reported at once', TEST_TIMEOUT, async () => {
    const { message } = await listenError([UnknownService, UnknownMethod, StreamingWithGrpcMethod]);
    assert.match(message, /"Catalogue"/);
    assert.match(message, /"GetItems"/);
    assert.match(message, /\/shop\.Catalog\/SumPrices streams requests: decorate it with @GrpcStreamMethod/);
  });

  it('the package option limits the services served', TEST_TIMEOUT, async () => {
    const { message } = await listenError([Served], { protoPath: [CATALOG_PROTO, BILLING_PROTO], package: 'billing' });
    assert.match(message, /no service "Catalog" in the loaded protos \(package billing\); known services: billing\.Ledger/);
    const hosted = await hostControllers([Ledger], { protoPath: [CATALOG_PROTO, BILLING_PROTO], package: 'billing' });
    cleanup.push(() => hosted.app.close());
    const peer = new GrpcJsPeer(hosted.address, BILLING_PROTO);
    cleanup.push(() => peer.close());
    assert.deepEqual((await peer.unary('billing.Ledger/Balance', {})).responses, [{ owner: 'ada', cents: 1 }]);
  });

  it('a proto method with no handler answers UNIMPLEMENTED; other patterns are left alone', TEST_TIMEOUT, async () => {
    const hosted = await hostControllers([Served]);
    cleanup.push(() => hosted.app.close());
    const peer = new GrpcJsPeer(hosted.address, CATALOG_PROTO);
    cleanup.push(() => peer.close());
    assert.deepEqual((await peer.unary('shop.Catalog/GetItem', {})).responses, [{ id: 0, name: 'served', price: 0 }]);
    const outcome = await peer.unary('shop.Catalog/NotServed', {});
    assert.equal(outcome.code, UNIMPLEMENTED);
    assert.match(outcome.details, /\/shop\.Catalog\/NotServed/);
  });
});
