// Health and reflection under Nest: GrpcTransportStrategy's `health` and `reflection` options, statuses set through
// the injectable GrpcHealthService, probed by @nestjs/terminus's GRPCHealthIndicator (Transport.GRPC's client on
// its own health.proto) side by side with grpc-js + grpc-health-check, and NOT_SERVING once Nest closes the app.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Injectable, Module } from '@nestjs/common';
import type { INestMicroservice, OnApplicationBootstrap } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod } from '@nestjs/microservices';
import { GRPCHealthIndicator, TerminusModule } from '@nestjs/terminus';
import grpc from '@grpc/grpc-js';
import { GrpcHealthModule, GrpcHealthService, GrpcTransportStrategy } from '../../lib/nest/index.js';
import { EXAMPLE_PROTO, EXAMPLE_SERVICE, check, healthClient, startGrpcJsHealthServer, watch } from './health-fixtures.js';
import type { HealthServer } from './health-fixtures.js';
import { reflect } from './reflection-fixtures.js';

const BOUND = { timeout: 30_000 };

@Controller()
class ExampleController {
  @GrpcMethod('example', 'unary_unary')
  unary(): { message: string } {
    return { message: 'ok' };
  }
}

// An app provider that knows, at bootstrap, that a dependency of the example service is not ready yet.
@Injectable()
class Readiness implements OnApplicationBootstrap {
  constructor(readonly health: GrpcHealthService) {}
  onApplicationBootstrap(): void {
    this.health.setStatus(EXAMPLE_SERVICE, 'NOT_SERVING');
  }
}

@Module({ imports: [TerminusModule.forRoot(), GrpcHealthModule], controllers: [ExampleController], providers: [Readiness] })
class AppModule {}

interface NestServer { app: INestMicroservice; strategy: GrpcTransportStrategy; address: string }

async function startNestApp(): Promise<NestServer> {
  const strategy = new GrpcTransportStrategy({
    url: '127.0.0.1:0', protoPath: EXAMPLE_PROTO, package: 'nameko', health: true, reflection: true, gracefulShutdown: true,
  });
  const app = await NestFactory.createMicroservice(AppModule, { strategy, logger: false });
  await app.listen();
  const address = strategy.unwrap().http2Server?.address();
  assert.ok(typeof address === 'object' && address !== null);
  return { app, strategy, address: `127.0.0.1:${address.port}` };
}

/** Terminus's verdict for `service` at `address`: up or down, the serving status it read, or why it is down. */
async function probe(indicator: GRPCHealthIndicator, address: string, service: string): Promise<unknown> {
  const result = await indicator.checkService('grpc', service, { url: address, timeout: 5_000 });
  const { status, servingStatus, message } = result['grpc'] as { status: string; servingStatus?: string; message?: string };
  // A failed call's message is '<code> <NAME>: <server text>'; the server's text is each implementation's own.
  return { status, servingStatus, message: message?.split(':')[0] };
}

describe('server=ours-under-Nest > health and reflection', BOUND, () => {
  let nest: NestServer;
  let reference: HealthServer;
  let indicator: GRPCHealthIndicator;
  before(async () => {
    nest = await startNestApp();
    reference = await startGrpcJsHealthServer();
    reference.setStatus(EXAMPLE_SERVICE, 'NOT_SERVING');
    indicator = await nest.app.resolve(GRPCHealthIndicator);
  });
  after(async () => {
    await reference.stop();
  });

  it('terminus GRPCHealthIndicator reads the same verdicts from ours as from grpc-health-check', async () => {
    const services = ['', EXAMPLE_SERVICE, 'no.such.Service'];
    const ours = await Promise.all(services.map((service) => probe(indicator, nest.address, service)));
    const theirs = await Promise.all(services.map((service) => probe(indicator, reference.address, service)));
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, [
      { status: 'up', servingStatus: 'SERVING', message: undefined },
      // A status the app set at bootstrap, before the strategy listened, is what the first probe sees.
      { status: 'down', servingStatus: undefined, message: 'serving status' },
      { status: 'down', servingStatus: undefined, message: '5 NOT_FOUND' },
    ]);
  });

  it('GrpcHealthService sets the status probes read at run time', async () => {
    const health = nest.app.get(GrpcHealthService);
    health.setStatus(EXAMPLE_SERVICE, 'SERVING');
    assert.equal(health.getStatus(EXAMPLE_SERVICE), 'SERVING');
    assert.deepEqual(await probe(indicator, nest.address, EXAMPLE_SERVICE), { status: 'up', servingStatus: 'SERVING', message: undefined });
  });

  it('reflection lists the served service and describes it', async () => {
    const [list, file] = await reflect(nest.address, [{ list_services: '' }, { file_containing_symbol: EXAMPLE_SERVICE }]);
    assert.ok(list?.list_services_response?.service.some((service) => service.name === EXAMPLE_SERVICE));
    assert.equal(file?.message_response, 'file_descriptor_response');
  });

  it('app.close() turns the server NOT_SERVING before connections go, and the Watch ends', async () => {
    const client = healthClient(nest.address);
    try {
      const watcher = watch(client, '');
      assert.equal(await watcher.next(), 'SERVING');
      assert.equal(await check(client, ''), 'SERVING');
      const closed = nest.app.close();
      assert.equal(await watcher.next(), 'NOT_SERVING');
      assert.equal(await watcher.end, grpc.status.UNAVAILABLE);
      await closed;
    } finally {
      client.close();
    }
  });
});
