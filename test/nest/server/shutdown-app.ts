// A child process for the shutdown tests: a Nest microservice on GrpcTransportStrategy with gracefulShutdown and a
// grace period, shutdown hooks on, so SIGTERM runs app.close(). Prints "listening <port>" once serving.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod } from '@nestjs/microservices';
import { interval, map, take } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { CATALOG_PROTO, LOADER } from './fixtures.js';

interface ItemRequest { id: number; count: number }
interface Item { id: number; name: string; price: number }

@Controller()
class DrainController {
  @GrpcMethod('Catalog', 'GetItem')
  async getItem(request: ItemRequest): Promise<Item> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { id: request.id, name: 'done', price: 0 };
  }

  @GrpcMethod('Catalog', 'ListItems')
  listItems(request: ItemRequest): Observable<Item> {
    return interval(20).pipe(take(request.count), map((id) => ({ id, name: 'item', price: 0 })));
  }
}

@Module({ controllers: [DrainController] })
class DrainModule {}

const strategy = new GrpcTransportStrategy({
  url: '127.0.0.1:0', protoPath: CATALOG_PROTO, loader: LOADER, health: true,
  gracefulShutdown: true, shutdownGraceMs: Number(process.env['GRACE_MS'] ?? 1000),
});
const app = await NestFactory.createMicroservice(DrainModule, { strategy, logger: false });
app.enableShutdownHooks();
await app.listen();
const address = strategy.unwrap().http2Server?.address();
process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
