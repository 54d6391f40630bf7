import 'reflect-metadata';
// GrpcClientProxy inside a Nest application context: injected through ClientsModule's customClass, through
// GrpcClientModule.register and registerAsync (factory with an injected settings provider), via InjectGrpcClient.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import type { ClientGrpc } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { Metadata } from '../../../lib/protocol/metadata.js';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { GrpcClientModule, InjectGrpcClient } from '../../../lib/nest/client/grpc-client.module.js';
import { ROUTES_PROTO, startRoutesServer } from './routes-server.js';
import type { Item, RoutesServer } from './routes-server.js';

type Req = Partial<Item>;

interface RoutesService {
  getItem(request: Req, metadata?: Metadata): Observable<Item>;
  listItems(request: Req): Observable<Item>;
  collectHttpItems(requests: Observable<Req>): Observable<Item>;
  chat(requests: Observable<Req>): Observable<Item>;
}

const VIA_CLIENTS_MODULE = 'VIA_CLIENTS_MODULE';
const VIA_REGISTER = 'VIA_REGISTER';
const VIA_REGISTER_ASYNC = Symbol('VIA_REGISTER_ASYNC');

/** Stands in for a config service: the factory of registerAsync reads the address from it. */
class RoutesSettings {
  constructor(private readonly values: Readonly<Record<string, string>>) {}
  get(key: string): string {
    const value = this.values[key];
    if (value === undefined) throw new Error(`no setting ${key}`);
    return value;
  }
}

function collect<T>(source: Observable<T>): Promise<T[]> {
  return lastValueFrom(source.pipe(toArray()));
}

function createAppModule(address: string) {
  const options = { url: address, package: 'nestclient.v1', protoPath: ROUTES_PROTO };

  @Module({ providers: [{ provide: RoutesSettings, useValue: new RoutesSettings({ ROUTES_URL: address }) }], exports: [RoutesSettings] })
  class SettingsModule {}

  @Injectable()
  class RoutesCaller {
    readonly services: ReadonlyMap<string, RoutesService>;
    constructor(
      @Inject(VIA_CLIENTS_MODULE) viaClientsModule: ClientGrpc,
      @InjectGrpcClient(VIA_REGISTER) viaRegister: GrpcClientProxy,
      @InjectGrpcClient(VIA_REGISTER_ASYNC) viaRegisterAsync: GrpcClientProxy,
      // Injected by its type: design:paramtypes from emitDecoratorMetadata.
      readonly settings: RoutesSettings,
    ) {
      this.services = new Map([
        ['ClientsModule.register', viaClientsModule.getService<RoutesService>('Routes')],
        ['GrpcClientModule.register', viaRegister.getService<RoutesService>('Routes')],
        ['GrpcClientModule.registerAsync', viaRegisterAsync.getService<RoutesService>('Routes')],
      ]);
    }
  }

  @Module({
    imports: [
      SettingsModule,
      ClientsModule.register([{ name: VIA_CLIENTS_MODULE, customClass: GrpcClientProxy, options }]),
      GrpcClientModule.register({ name: VIA_REGISTER, options }),
      GrpcClientModule.registerAsync({
        name: VIA_REGISTER_ASYNC,
        imports: [SettingsModule],
        inject: [RoutesSettings],
        useFactory: async (settings: RoutesSettings) => ({ ...options, url: settings.get('ROUTES_URL') }),
      }),
    ],
    providers: [RoutesCaller],
  })
  class AppModule {}

  return { AppModule, RoutesCaller };
}

describe('GrpcClientProxy in a Nest application', { timeout: 10_000 }, () => {
  let server: RoutesServer;
  let app: INestApplicationContext;
  let services: ReadonlyMap<string, RoutesService>;
  let settings: RoutesSettings;

  before(async () => {
    server = await startRoutesServer();
    const { AppModule, RoutesCaller } = createAppModule(server.address);
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const caller = app.get(RoutesCaller);
    services = caller.services;
    settings = caller.settings;
  });
  after(async () => {
    await app?.close();
    await server?.stop();
  });

  it('injects every client, and the settings provider by type', () => {
    assert.equal(services.size, 3);
    assert.ok(settings instanceof RoutesSettings);
    assert.ok(app.get(VIA_CLIENTS_MODULE) instanceof GrpcClientProxy);
    assert.ok(app.get(VIA_REGISTER_ASYNC) instanceof GrpcClientProxy);
  });

  for (const registration of ['ClientsModule.register', 'GrpcClientModule.register', 'GrpcClientModule.registerAsync']) {
    it(`calls all four shapes through ${registration}`, async () => {
      const routes = services.get(registration);
      assert.ok(routes !== undefined);
      const unary = await firstValueFrom(routes.getItem({ name: 'n' }, new Metadata({ 'x-via': 'nest' })));
      assert.deepEqual([unary.name, unary.metadata], ['got n', { 'x-via': 'nest' }]);
      assert.deepEqual((await collect(routes.listItems({ name: 's', count: 2 }))).map((i) => i.name), ['s-0', 's-1']);
      assert.deepEqual((await collect(routes.collectHttpItems(of({ name: 'a' }, { name: 'b' })))).map((i) => i.name), ['a,b']);
      assert.deepEqual((await collect(routes.chat(of({ name: 'c' })))).map((i) => i.name), ['C']);
    });
  }
});
