import 'reflect-metadata';
// Nest's gRPC sample (sample/04-grpc) run as its e2e test runs it: a hybrid HTTP + gRPC app whose HTTP routes
// call its own gRPC service through ClientGrpc. Once as written (Transport.GRPC), once switched by the README's
// recipe; the HTTP answers must be the same, each app created twice from one options object (a beforeEach).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ClientGrpc, GrpcOptions, MicroserviceOptions } from '@nestjs/microservices';
import { ReplaySubject } from 'rxjs';
import type { GrpcTransportConfig } from '../../../lib/nest/grpc-transport.js';
import { freePort } from '../server/fixtures.js';
import { builtInGrpcClientOptions, switchedGrpcClientOptions } from './grpc-client.options.js';
import type { HeroesService } from './hero.controller.js';
import { AppModule } from './hero.module.js';

const BOUND = { timeout: 20_000 };

/** A caught error as [code, details]; anything else as it is. */
function fields(outcome: unknown): unknown {
  const { code, details } = (outcome ?? {}) as { code?: unknown; details?: unknown };
  return code === undefined ? outcome : [code, details];
}

type SampleOptions = GrpcOptions | GrpcTransportConfig;

/** The sample's e2e setup, with the HTTP side on a free loopback port. */
async function startApp(grpcClientOptions: SampleOptions, connect = true): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.register(grpcClientOptions), { logger: false });
  if (connect) app.connectMicroservice<MicroserviceOptions>(grpcClientOptions);
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return app;
}

const ROUTES = ['/hero/1', '/hero', '/hero/3', '/probe/deadline/2', '/probe/caught/3'];

async function httpAnswers(app: INestApplication): Promise<unknown[]> {
  const base = await app.getUrl();
  const answers: unknown[] = [];
  for (const route of ROUTES) {
    const response = await fetch(`${base.replace('[::1]', '127.0.0.1')}${route}`);
    answers.push({ route, status: response.status, body: await response.json() });
  }
  return answers;
}

/** Two apps in turn from one options object, as a beforeEach/afterEach suite creates them. */
async function answersOf(grpcClientOptions: SampleOptions): Promise<unknown[]> {
  const runs: unknown[] = [];
  for (let run = 0; run < 2; run++) {
    const app = await startApp(grpcClientOptions);
    try {
      runs.push(await httpAnswers(app));
    } finally {
      await app.close();
    }
  }
  assert.deepEqual(runs[1], runs[0], 'the second app answers as the first');
  return runs[0] as unknown[];
}

describe("Nest's gRPC sample, as written and switched", BOUND, () => {
  it('answers the same HTTP requests the same', BOUND, async () => {
    const url = `127.0.0.1:${await freePort()}`;
    const builtIn = await answersOf(builtInGrpcClientOptions(url));
    const switched = await answersOf(switchedGrpcClientOptions(url));
    assert.deepEqual(switched, builtIn);
    assert.deepEqual(builtIn, [
      { route: '/hero/1', status: 200, body: { id: 1, name: 'John' } },
      { route: '/hero', status: 200, body: [{ id: 1, name: 'John' }, { id: 2, name: 'Doe' }] },
      // findOne returns undefined for an unknown id: an error, never an empty hero.
      { route: '/hero/3', status: 500, body: { statusCode: 500, message: 'Internal server error' } },
      { route: '/probe/deadline/2', status: 200, body: { id: 2, name: 'Doe' } },
      { route: '/probe/caught/3', status: 200, body: { code: 13, details: 'Error serializing response', message: '13 INTERNAL: Error serializing response', metadata: {} } },
    ]);
  });

  /** Opens a FindMany stream from a second, HTTP-only app (its requests never end), closes that app, and reports. */
  async function closeWithStreamOpen(grpcClientOptions: (url: string) => SampleOptions): Promise<{ atClose: unknown; atServerClose: unknown }> {
    const url = `127.0.0.1:${await freePort()}`;
    const server = await startApp(grpcClientOptions(url));
    let ended: Promise<unknown> = Promise.resolve('never started');
    let atClose: unknown = 'open';
    try {
      const caller = await startApp(grpcClientOptions(url), false);
      const heroes = caller.get<ClientGrpc>('HERO_PACKAGE').getService<HeroesService>('HeroesService');
      const ids$ = new ReplaySubject<{ id: number }>();
      ids$.next({ id: 1 });
      let first!: () => void;
      const answered = new Promise<void>((resolve) => { first = resolve; });
      ended = new Promise<unknown>((resolve) => {
        heroes.findMany(ids$).subscribe({ next: () => first(), error: resolve, complete: () => resolve('completed') });
      });
      await answered;
      // Bounded by the test's timeout: a close that waited for the (never ending) stream would hang here.
      await caller.close();
      await new Promise((resolve) => setImmediate(resolve));
      atClose = await Promise.race([ended, Promise.resolve('open')]);
    } finally {
      await server.close();
    }
    return { atClose: fields(atClose), atServerClose: fields(await ended) };
  }

  it('closing an app whose client has a stream open returns at once, the stream ending CANCELLED', BOUND, async () => {
    const switched = await closeWithStreamOpen(switchedGrpcClientOptions);
    assert.deepEqual(switched.atClose, [1, 'Cancelled on client']);
    // The built-in client's close() returns at once too, but leaves the stream open until its server ends it.
    const builtIn = await closeWithStreamOpen(builtInGrpcClientOptions);
    assert.deepEqual(builtIn, { atClose: 'open', atServerClose: [1, 'Call cancelled'] });
  });
});
