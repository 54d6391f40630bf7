import 'reflect-metadata';
// One options object used for several apps, as an e2e suite's beforeEach does with Nest's sample options: each app in
// turn binds and answers, under Transport.GRPC and with one GrpcTransportStrategy; two apps at once are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { freePort, HEROES_PROTO, LOADER, TEST_TIMEOUT } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';
import { HeroesController } from './heroes.controller.js';

async function sequentialApps(config: MicroserviceOptions, url: string): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (let run = 0; run < 2; run++) {
    const app = await NestFactory.createMicroservice({ controllers: [HeroesController] }, { ...config, logger: false });
    const peer = new GrpcJsPeer(url, HEROES_PROTO);
    try {
      await app.listen();
      const { code, responses } = await peer.unary('hero.HeroesService/FindOne', { id: 3 });
      answers.push({ code, responses });
    } finally {
      peer.close();
      await app.close();
    }
  }
  return answers;
}

describe('one options object, several apps', () => {
  it('apps created one after the other from one config each bind and answer, as with Transport.GRPC', TEST_TIMEOUT, async () => {
    const options = { url: `127.0.0.1:${await freePort()}`, package: 'hero', protoPath: HEROES_PROTO, loader: LOADER };
    const builtIn = await sequentialApps({ transport: Transport.GRPC, options }, options.url);
    const ours = await sequentialApps({ strategy: new GrpcTransportStrategy(options) }, options.url);
    assert.deepEqual(ours, builtIn);
    assert.deepEqual(builtIn, [{ code: 0, responses: [{ id: 3, name: 'Ada' }] }, { code: 0, responses: [{ id: 3, name: 'Ada' }] }]);
  });

  it('a strategy given to a second app while the first runs fails that app at startup, saying to create one per app', TEST_TIMEOUT, async () => {
    const strategy = new GrpcTransportStrategy({ url: `127.0.0.1:${await freePort()}`, package: 'hero', protoPath: HEROES_PROTO });
    const first = await NestFactory.createMicroservice({ controllers: [HeroesController] }, { strategy, logger: false });
    await first.listen();
    const second = await NestFactory.createMicroservice({ controllers: [HeroesController] }, { strategy, logger: false });
    try {
      await assert.rejects(second.listen(), /already serves a running app: create one strategy per app/);
    } finally {
      await first.close();
    }
  });
});
