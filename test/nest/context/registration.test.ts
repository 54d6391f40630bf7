import 'reflect-metadata';
// GrpcRequestContextInterceptor bound the Nest ways (per controller, per method, useGlobalInterceptors, the module),
// beside a user's own interceptor, around Nest's built-in gRPC decorators; guards run before it and see none.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Controller, Module, UseGuards, UseInterceptors } from '@nestjs/common';
import type { CallHandler, CanActivate, INestMicroservice, ModuleMetadata, NestInterceptor } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, GrpcStreamMethod, Payload } from '@nestjs/microservices';
import { lastValueFrom, map, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import type { CallOptions } from '../../../lib/client/call-options.js';
import { GrpcRequestContext } from '../../../lib/context/request-context.js';
import { GrpcRequestContextInterceptor } from '../../../lib/nest/context/request-context.interceptor.js';
import { GrpcRequestContextModule } from '../../../lib/nest/context/request-context.module.js';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { freePort } from '../server/fixtures.js';
import { BOUND, describeContext, RELAY_LOADER, RELAY_PROTO, stampTick } from './relay-model.js';
import type { HopReply, HopRequest, Tick } from './relay-model.js';

interface RelayStub {
  Hop(request: HopRequest, options?: CallOptions): Observable<HopReply>;
  Ticks(request: HopRequest, options?: CallOptions): Observable<Tick>;
  Chat(requests: HopRequest[], options?: CallOptions): Observable<Tick>;
}

const service = loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay');
const OPTIONS = { metadata: { 'x-request-id': 'r' } };
const open: Array<{ app: INestMicroservice; client: GrpcClient }> = [];

/** Serves `metadata` on a fresh port; `setup` runs before listen. Returns a stub of it. */
async function serve(metadata: ModuleMetadata, setup?: (app: INestMicroservice) => void): Promise<RelayStub> {
  const url = `127.0.0.1:${await freePort()}`;
  @Module(metadata)
  class HostModule {}
  const strategy = new GrpcTransportStrategy({ url, package: 'relay', protoPath: RELAY_PROTO, loader: RELAY_LOADER });
  const app = await NestFactory.createMicroservice(HostModule, { strategy, logger: false });
  setup?.(app);
  await app.listen();
  const client = new GrpcClient(url);
  open.push({ app, client });
  return client.getService<RelayStub>(service);
}

/** The reply every test controller gives: the current context, if any, as one hop. */
function report(tag: string): HopReply {
  const context = GrpcRequestContext.current();
  return { hops: context === undefined ? [] : [describeContext('S', context)], tag };
}

class GuardProbe implements CanActivate {
  static sawContext: boolean | undefined;
  canActivate(): boolean {
    GuardProbe.sawContext = GrpcRequestContext.current() !== undefined;
    return true;
  }
}

/** A user's interceptor, bound after ours: it reads the call id before the handler and once the answer comes. */
class StampInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler<HopReply>): Observable<HopReply> {
    const before = GrpcRequestContext.current()?.callId;
    return next.handle().pipe(map((reply) => ({ ...reply, tag: `${String(before === GrpcRequestContext.current()?.callId)}` })));
  }
}

@Controller()
@UseGuards(GuardProbe)
@UseInterceptors(GrpcRequestContextInterceptor, StampInterceptor)
class PerController {
  @GrpcHandler('Relay', 'Hop')
  hop(@Payload() request: HopRequest): HopReply {
    return report(request.tag);
  }
}

@Controller()
class PerMethod {
  @GrpcHandler('Relay', 'Hop')
  @UseInterceptors(GrpcRequestContextInterceptor)
  hop(@Payload() request: HopRequest): HopReply {
    return report(request.tag);
  }

  @GrpcHandler('Relay', 'Ticks')
  ticks(@Payload() request: HopRequest): Tick[] {
    return [stampTick(GrpcRequestContext.current(), request.tag, 0)];
  }
}

/** Written for Nest's built-in transport: (request, Metadata, call) and a request Observable. */
@Controller()
class BuiltInStyle {
  @GrpcMethod('Relay', 'Hop')
  hop(request: HopRequest): HopReply {
    return report(request.tag);
  }

  @GrpcStreamMethod('Relay', 'Chat')
  chat(requests: Observable<HopRequest>): Observable<Tick> {
    return requests.pipe(map((request, seq) => stampTick(GrpcRequestContext.current(), request.tag, seq)));
  }
}

describe('binding GrpcRequestContextInterceptor', BOUND, () => {
  after(async () => {
    for (const { app, client } of open) {
      await client.close();
      await app.close();
    }
  });

  it('per controller, beside a user interceptor that sees the same context; a guard runs before it', async () => {
    const stub = await serve({ controllers: [PerController] });
    const reply = await lastValueFrom(stub.Hop({ tag: 't' }, OPTIONS));
    assert.equal(reply.hops[0]!.headers['x-request-id'], 'r');
    assert.equal(reply.tag, 'true');
    assert.equal(GuardProbe.sawContext, false);
  });

  it('per method: only that method gets a context', async () => {
    const stub = await serve({ controllers: [PerMethod] });
    assert.equal((await lastValueFrom(stub.Hop({ tag: 't' }, OPTIONS))).hops.length, 1);
    assert.deepEqual(await lastValueFrom(stub.Ticks({ tag: 't' }, OPTIONS).pipe(toArray())), [{ tag: 't', rid: '', id: '', seq: 0 }]);
  });

  it('with useGlobalInterceptors and its own options, around @GrpcMethod and @GrpcStreamMethod handlers', async () => {
    let n = 0;
    const interceptor = new GrpcRequestContextInterceptor({ createCallId: (path) => `${path}#${++n}` });
    const stub = await serve({ controllers: [BuiltInStyle] }, (app) => app.useGlobalInterceptors(interceptor));
    const reply = await lastValueFrom(stub.Hop({ tag: 't' }, OPTIONS));
    assert.deepEqual(reply.hops[0]!.stack, ['/relay.Relay/Hop#1']);
    const ticks = await lastValueFrom(stub.Chat([{ tag: 'a' }, { tag: 'b' }], OPTIONS).pipe(toArray()));
    assert.deepEqual(ticks.map((t) => [t.tag, t.rid, t.id]), [['a', 'r', '/relay.Relay/Chat#2'], ['b', 'r', '/relay.Relay/Chat#2']]);
  });

  it('bound twice (module-global and per controller), a call still gets one context', async () => {
    let n = 0;
    const stub = await serve({
      imports: [GrpcRequestContextModule.forRoot({ createCallId: () => `id-${++n}` })],
      controllers: [PerController],
    });
    const reply = await lastValueFrom(stub.Hop({ tag: 't' }, OPTIONS));
    assert.deepEqual([reply.hops[0]!.id, n], ['id-1', 1]);
  });
});
