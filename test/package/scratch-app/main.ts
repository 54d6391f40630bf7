// A user's app with the packed tarball installed: a Nest microservice on GrpcTransportStrategy whose controller is
// written for Transport.GRPC (@GrpcMethod, @GrpcStreamMethod), called through GrpcClientProxy in all four call shapes.
// Prints what came back as one JSON line; the install test asserts on it.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, GrpcStreamMethod } from '@nestjs/microservices';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { GrpcClientProxy, GrpcTransportStrategy, Metadata } from 'nestjs-grpc-transport/nest';
import type { CallOptions } from 'nestjs-grpc-transport';
import { count, filter, from, lastValueFrom, map, toArray } from 'rxjs';
import type { Observable } from 'rxjs';

interface HeroById { id: number }
interface Hero { id: number; name: string }
interface HeroesService {
  findOne(request: HeroById, metadata?: Metadata, options?: CallOptions): Observable<Hero>;
  listHeroes(request: HeroById): Observable<Hero>;
  countHeroes(requests: Observable<HeroById>, metadata?: Metadata): Observable<{ count: number }>;
  findMany(requests: Observable<HeroById>): Observable<Hero>;
}

const HEROES: Hero[] = [{ id: 1, name: 'John' }, { id: 2, name: 'Doe' }, { id: 3, name: 'Ada' }];
const named = (id: number): Hero => HEROES.find((hero) => hero.id === id) ?? { id, name: 'unknown' };
const protoPath = new URL('heroes.proto', import.meta.url).pathname;
const url = process.argv[2] ?? '127.0.0.1:50051';

@Controller()
class HeroesController {
  @GrpcMethod('HeroesService', 'FindOne')
  findOne(data: HeroById, metadata: Metadata): Hero {
    return { id: data.id, name: `${named(data.id).name} for ${String(metadata.get('x-caller')[0])}` };
  }

  @GrpcMethod('HeroesService')
  listHeroes(data: HeroById): Observable<Hero> {
    return from(HEROES).pipe(filter((hero) => hero.id >= data.id));
  }

  @GrpcStreamMethod('HeroesService')
  countHeroes(data$: Observable<HeroById>, metadata: Metadata): Observable<{ count: number }> {
    const minimum = Number(metadata.get('x-min-id')[0] ?? 0);
    return data$.pipe(filter((hero) => hero.id >= minimum), count(), map((n) => ({ count: n })));
  }

  @GrpcStreamMethod('HeroesService')
  findMany(data$: Observable<HeroById>): Observable<Hero> {
    return data$.pipe(map((request) => named(request.id)));
  }
}

@Module({ controllers: [HeroesController] })
class HeroesModule {}

const app = await NestFactory.createMicroservice<MicroserviceOptions>(HeroesModule, {
  strategy: new GrpcTransportStrategy({ url, package: 'hero', protoPath }),
  logger: ['error', 'warn'],
});
await app.listen();
const client = new GrpcClientProxy({ url, package: 'hero', protoPath });
try {
  const heroes = client.getService<HeroesService>('HeroesService');
  const results = {
    unary: await lastValueFrom(heroes.findOne({ id: 2 }, new Metadata({ 'x-caller': 'scratch' }), { timeout: 5000 })),
    serverStream: await lastValueFrom(heroes.listHeroes({ id: 2 }).pipe(toArray())),
    clientStream: await lastValueFrom(heroes.countHeroes(from([{ id: 1 }, { id: 2 }, { id: 3 }]), new Metadata({ 'x-min-id': '2' }))),
    bidi: await lastValueFrom(heroes.findMany(from([{ id: 3 }, { id: 1 }, { id: 7 }])).pipe(toArray())),
  };
  console.log(JSON.stringify(results));
} finally {
  await client.close();
  await app.close();
}
