// What a Transport.GRPC app wires through grpc-js keeps working after the strategy line changes: grpc-health-check
// and @grpc/reflection added in onLoadPackageDefinition, a proto-loader packageDefinition, and grpc-js credentials.
// Each runs on the built-in transport and on ours, called by grpc-js clients (and our proxy), answers compared.
import 'reflect-metadata';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import type { GrpcTransportOptions } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { addEcosystemServices, check, reflect, watch } from '../../server/ecosystem-peers.js';
import { freePort, HEROES_PROTO, LOADER, TEST_TIMEOUT } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';
import { HeroesController } from './heroes.controller.js';
import { CLIENT_CERT, CLIENT_KEY, grpcJsServerCredentials, TEST_CA } from '../../fixtures/tls.js';

type Kind = 'Transport.GRPC' | 'GrpcTransportStrategy';
const KINDS: readonly Kind[] = ['Transport.GRPC', 'GrpcTransportStrategy'];
const apps: INestMicroservice[] = [];

/** Hosts HeroesController with `options` (plus a fresh url) under `kind`; the options object is the same for both. */
async function host(kind: Kind, options: Omit<GrpcTransportOptions, 'url'>): Promise<string> {
  const url = `127.0.0.1:${await freePort()}`;
  const all = { url, package: 'hero', ...options };
  const transport = kind === 'Transport.GRPC' ? { transport: Transport.GRPC, options: all } : { strategy: new GrpcTransportStrategy(all) };
  const app = await NestFactory.createMicroservice({ controllers: [HeroesController] }, { ...transport, logger: false } as never);
  apps.push(app);
  await app.listen();
  return url;
}

// The file descriptors reflection returns, as the names a reflection client reads from them. (The bytes differ:
// proto-loader's protobufjs 7 and our protobufjs 8 describe the same proto with small differences, such as jsonName.)
const descriptors = createRequire(import.meta.url)('protobufjs/ext/descriptor') as {
  FileDescriptorProto: { decode(bytes: Uint8Array): FileSummary };
};
interface FileSummary {
  name: string;
  package: string;
  messageType: Array<{ name: string }>;
  service: Array<{ name: string; method: Array<{ name: string; inputType: string; outputType: string }> }>;
}
function summarize(response: Record<string, unknown>): unknown {
  const files = (response['file_descriptor_response'] as { file_descriptor_proto: number[][] }).file_descriptor_proto;
  return files.map((bytes) => {
    const file = descriptors.FileDescriptorProto.decode(Buffer.from(bytes));
    return {
      name: file.name, package: file.package, messages: file.messageType.map((m) => m.name),
      services: file.service.map((s) => ({ name: s.name, methods: s.method.map((m) => [m.name, m.inputType, m.outputType]) })),
    };
  });
}

/** grpc-js's server says 'OK' with status 0, ours nothing: not a difference a caller acts on. */
function okWithoutDetails(outcome: unknown): unknown {
  const { code } = outcome as { code?: unknown };
  return code === 0 ? { ...(outcome as object), details: '' } : outcome;
}

const heroes = (proxy: GrpcClientProxy): { findOne(request: object): Observable<unknown> } =>
  proxy.getService<{ findOne(request: object): Observable<unknown> }>('HeroesService');

describe('ecosystem services and options of Transport.GRPC apps', () => {
  after(async () => { for (const app of apps) await app.close(); });

  it('onLoadPackageDefinition: grpc-health-check answers Check and Watch as on Transport.GRPC', TEST_TIMEOUT, async () => {
    const outcomes: unknown[] = [];
    for (const kind of KINDS) {
      let health: ReturnType<typeof addEcosystemServices> | undefined;
      const address = await host(kind, {
        protoPath: HEROES_PROTO, loader: LOADER,
        onLoadPackageDefinition: (pkg, server) => { health = addEcosystemServices(server, pkg); },
      });
      outcomes.push([await check(address, ''), await check(address, 'nope'), await watch(address, 'w', 2, health, 'SERVING')]);
    }
    assert.deepEqual(outcomes[0], [{ status: 'SERVING' }, { code: grpc.status.NOT_FOUND, details: 'Health status unknown for service nope' }, ['SERVICE_UNKNOWN', 'SERVING']]);
    assert.deepEqual(outcomes[1], outcomes[0]);
  });

  it('onLoadPackageDefinition: @grpc/reflection lists and describes the app\'s services as on Transport.GRPC', TEST_TIMEOUT, async () => {
    const outcomes: unknown[] = [];
    for (const kind of KINDS) {
      const address = await host(kind, {
        protoPath: HEROES_PROTO, loader: LOADER,
        // As a Transport.GRPC app writes it: no casts, the types of both packages accept ours.
        onLoadPackageDefinition: (pkg, server) => {
          new ReflectionService(pkg).addToServer(server);
          new HealthImplementation({ '': 'SERVING' }).addToServer(server);
        },
      });
      const [list, file, missing] = await reflect(address, [
        { list_services: '*' }, { file_containing_symbol: 'hero.HeroesService' }, { file_containing_symbol: 'hero.Nope' }]);
      const found = await new GrpcJsPeer(address, HEROES_PROTO).unary('hero.HeroesService/FindOne', { id: 2 });
      outcomes.push({ list: list!['list_services_response'], file: summarize(file!), missing: missing!['error_response'], found: found.responses });
    }
    assert.deepEqual((outcomes[0] as { list: unknown }).list, { service: [{ name: 'hero.HeroesService' }, { name: 'hero.VillainsService' }] });
    assert.deepEqual(outcomes[1], outcomes[0]);
  });

  it('packageDefinition: serves and calls with the definition\'s own message shapes, as Transport.GRPC', TEST_TIMEOUT, async () => {
    // Loaded with defaults, unlike proto-loader's defaults (what a strategy without `loader` uses): an empty request
    // reaches the handler as { id: 0 } only through the definition's own codec (Inspect reports what it received).
    const packageDefinition = protoLoader.loadSync(HEROES_PROTO, { defaults: true });
    const outcomes: unknown[] = [];
    for (const kind of KINDS) {
      const address = await host(kind, { packageDefinition });
      const peer = new GrpcJsPeer(address, HEROES_PROTO);
      const proxy = new GrpcClientProxy({ url: address, package: 'hero', packageDefinition });
      outcomes.push([
        await peer.unary('hero.HeroesService/FindOne', { id: 1 }),
        await peer.serverStream('hero.HeroesService/ListHeroes', { id: 2 }),
        await peer.bidi('hero.HeroesService/Chat', [{ id: 3 }]),
        await lastValueFrom(heroes(proxy).findOne({ id: 3 })),
        await peer.unary('hero.HeroesService/Inspect', {}),
      ].map(okWithoutDetails));
      peer.close();
      await proxy.close();
    }
    const [reference] = outcomes as unknown[][];
    assert.deepEqual(reference![3], { id: 3, name: 'Ada' });
    assert.deepEqual(JSON.parse((reference![4] as { responses: Array<{ json: string }> }).responses[0]!.json).data, { id: 0 });
    assert.deepEqual(outcomes[1], outcomes[0]);
  });

  it('packageDefinition and protoPath together, or neither, fail listen as on Transport.GRPC', TEST_TIMEOUT, async () => {
    const packageDefinition = protoLoader.loadSync(HEROES_PROTO);
    await assert.rejects(host('GrpcTransportStrategy', { protoPath: HEROES_PROTO, packageDefinition }), /Both protoPath and packageDefinition cannot be defined/);
    await assert.rejects(host('GrpcTransportStrategy', {}), /protoPath or packageDefinition must be defined/);
    assert.throws(() => new GrpcClientProxy({ packageDefinition, protoPath: HEROES_PROTO }), /Both protoPath and packageDefinition/);
  });

  it('credentials: grpc-js ServerCredentials and ChannelCredentials serve and call TLS and mutual TLS', TEST_TIMEOUT, async () => {
    const channelOptions = { 'grpc.ssl_target_name_override': 'localhost' };
    const call = async (address: string, credentials: grpc.ChannelCredentials): Promise<unknown> => {
      const proxy = new GrpcClientProxy({ url: address, package: 'hero', protoPath: HEROES_PROTO, loader: LOADER, credentials, channelOptions });
      try {
        return await lastValueFrom(heroes(proxy).findOne({ id: 1 }));
      } catch (error) {
        return { code: (error as { code?: unknown }).code };
      } finally {
        await proxy.close();
      }
    };
    const outcomes: unknown[] = [];
    for (const kind of KINDS) {
      const tls = await host(kind, { protoPath: HEROES_PROTO, loader: LOADER, credentials: grpcJsServerCredentials('tls') });
      const mutual = await host(kind, { protoPath: HEROES_PROTO, loader: LOADER, credentials: grpcJsServerCredentials('mutual') });
      const plain = await host(kind, { protoPath: HEROES_PROTO, loader: LOADER, credentials: grpc.ServerCredentials.createInsecure() });
      outcomes.push([
        await call(tls, grpc.credentials.createSsl(TEST_CA)),
        await call(mutual, grpc.credentials.createSsl(TEST_CA, CLIENT_KEY, CLIENT_CERT)),
        await call(mutual, grpc.credentials.createSsl(TEST_CA)),
        await call(plain, grpc.credentials.createInsecure()),
      ]);
    }
    const john = { id: 1, name: 'John' };
    assert.deepEqual(outcomes[0], [john, john, { code: grpc.status.UNAVAILABLE }, john]);
    assert.deepEqual(outcomes[1], outcomes[0]);
  });

  it('credentials: what has no node:tls equivalent is refused, saying what to give instead', () => {
    const interceptors = grpc.experimental.createServerCredentialsWithInterceptors(grpcJsServerCredentials('tls'), [((_method: unknown, call: unknown) => call) as never]);
    assert.throws(() => new GrpcTransportStrategy({ protoPath: HEROES_PROTO, credentials: interceptors }),
      /"credentials" option takes server credentials without interceptors, got InterceptorServerCredentials: give the certificates as node:tls options instead/);
    assert.throws(() => new GrpcTransportStrategy({ protoPath: HEROES_PROTO, credentials: grpcJsServerCredentials('tls'), tls: {} }), /"credentials" or "tls", not both/);
    const perCall = grpc.credentials.createSsl(TEST_CA).compose(grpc.credentials.createFromMetadataGenerator((_options, callback) => callback(null, new grpc.Metadata())));
    assert.throws(() => new GrpcClientProxy({ protoPath: HEROES_PROTO, credentials: perCall }),
      /"credentials" option takes channel credentials without call credentials \(add per-call metadata with an interceptor\), got ComposedChannelCredentialsImpl/);
  });
});
