import 'reflect-metadata';
// GrpcTransportStrategy's lifecycle: hosted by createMicroservice and by a hybrid app, a port in use as a
// startup error, close, unwrap, on('error') and the status stream.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import { GrpcExceptionFilter } from '../../../lib/nest/grpc-exception.filter.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { GrpcServer } from '../../../lib/server/grpc-server.js';
import { CATALOG_PROTO, freePort, hostControllers, LOADER, TEST_TIMEOUT } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';

const UNAVAILABLE = 14;

@Controller()
class Catalog {
  @GrpcHandler()
  getItem(@Payload() request: { id: number }): { id: number; name: string } {
    return { id: request.id, name: `item ${request.id}` };
  }
}

@Controller('health')
class Health {
  @Get()
  check(): { ok: boolean } {
    return { ok: true };
  }
}

describe('GrpcTransportStrategy lifecycle', () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => { for (const step of cleanup.reverse()) await step(); }, TEST_TIMEOUT);
  const peerFor = (address: string): GrpcJsPeer => {
    const peer = new GrpcJsPeer(address, CATALOG_PROTO);
    cleanup.push(() => peer.close());
    return peer;
  };

  it('createMicroservice(AppModule, { strategy }) serves; unwrap() is the GrpcServer', TEST_TIMEOUT, async () => {
    const { app, strategy, address } = await hostControllers([Catalog]);
    cleanup.push(() => app.close());
    const outcome = await peerFor(address).unary('shop.Catalog/GetItem', { id: 7 });
    assert.deepEqual([outcome.code, outcome.responses], [0, [{ id: 7, name: 'item 7', price: 0 }]]);
    const server = strategy.unwrap<GrpcServer>();
    assert.ok(server instanceof GrpcServer);
    const bound = server.http2Server?.address();
    assert.equal(typeof bound === 'object' ? `127.0.0.1:${bound?.port}` : bound, address);
  });

  it('a hybrid app: connectMicroservice + startAllMicroservices, beside HTTP', TEST_TIMEOUT, async () => {
    const address = `127.0.0.1:${await freePort()}`;
    // The HTTP side is @nestjs/platform-express, as in a user's hybrid app.
    const app: INestApplication = await NestFactory.create({ controllers: [Catalog, Health] }, { logger: false });
    app.useGlobalFilters(new GrpcExceptionFilter());
    app.connectMicroservice({ strategy: new GrpcTransportStrategy({ url: address, protoPath: CATALOG_PROTO, loader: LOADER }) },
      { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(0);
    let closed = false;
    cleanup.push(() => closed || app.close());
    const { port } = (app.getHttpServer() as { address(): { port: number } }).address();
    const http = await fetch(`http://127.0.0.1:${port}/health`);
    assert.deepEqual(await http.json(), { ok: true });
    const peer = peerFor(address);
    assert.equal((await peer.unary('shop.Catalog/GetItem', { id: 1 })).code, 0);
    await app.close();
    closed = true;
    assert.equal((await peer.unary('shop.Catalog/GetItem', { id: 2 })).code, UNAVAILABLE);
  });

  it('listen() fails with the address when the port is in use', TEST_TIMEOUT, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
    const { port } = blocker.address() as { port: number };
    const strategy = new GrpcTransportStrategy({ url: `127.0.0.1:${port}`, protoPath: CATALOG_PROTO });
    const app = await NestFactory.createMicroservice({ controllers: [Catalog] }, { strategy, logger: false });
    cleanup.push(() => app.close());
    await assert.rejects(app.listen(), (err: Error) => {
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(err.message, /EADDRINUSE/);
      return true;
    });
  });

  it('close() stops serving and frees the port', TEST_TIMEOUT, async () => {
    const { app, address } = await hostControllers([Catalog]);
    const peer = peerFor(address);
    assert.equal((await peer.unary('shop.Catalog/GetItem', { id: 1 })).code, 0);
    await app.close();
    assert.equal((await peer.unary('shop.Catalog/GetItem', { id: 1 })).code, UNAVAILABLE);
    const rebound = createServer();
    await new Promise<void>((resolve, reject) => {
      rebound.once('error', reject).listen(Number(address.split(':')[1]), '127.0.0.1', resolve);
    });
    await new Promise((resolve) => rebound.close(resolve));
  });

  it("on('error') registers listeners on the server, before and after listen", TEST_TIMEOUT, async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const strategy = new GrpcTransportStrategy({ url: address, protoPath: CATALOG_PROTO });
    const seen: string[] = [];
    strategy.on('error', (error) => seen.push(`before: ${error.message}`));
    const app = await NestFactory.createMicroservice({ controllers: [Catalog] }, { strategy, logger: false });
    cleanup.push(() => app.close());
    await app.listen();
    strategy.on('error', (error) => seen.push(`after: ${error.message}`));
    strategy.unwrap<GrpcServer>().http2Server?.emit('error', new Error('boom'));
    assert.deepEqual(seen, ['before: boom', 'after: boom']);
  });

  it('status emits listening, then closed', TEST_TIMEOUT, async () => {
    const { app, strategy } = await hostControllers([Catalog]);
    const seen: string[] = [];
    try {
      strategy.status.subscribe((status) => seen.push(status));
    } finally {
      await app.close();
    }
    assert.deepEqual(seen, ['listening', 'closed']);
  });
});
