// A relay hop as a Nest microservice on loopback: GrpcTransportStrategy, GrpcRequestContextModule, and, when
// given a next hop, a GrpcClientProxy or a standalone GrpcClient to it. Providers read the context by injection.
import 'reflect-metadata';
import { getEventListeners } from 'node:events';
import type { EventEmitter } from 'node:events';
import { Controller, Inject, Injectable, Module } from '@nestjs/common';
import type { INestMicroservice, Provider, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { concat, concatMap, defer, lastValueFrom, map, mergeMap, of, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import type { ClientOptions } from '../../../lib/client/grpc-client.js';
import type { CallOptions } from '../../../lib/client/call-options.js';
import type { CallContext } from '../../../lib/server/call-context.js';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { GrpcRequestContext } from '../../../lib/context/request-context.js';
import { GrpcRequestContextModule } from '../../../lib/nest/context/request-context.module.js';
import type { RequestContextModuleOptions } from '../../../lib/nest/context/request-context.module.js';
import { GrpcRequestContextService } from '../../../lib/nest/context/request-context.service.js';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import type { GrpcTransportOptions } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { freePort } from '../server/fixtures.js';
import { describeContext, RELAY_LOADER, RELAY_PROTO, sleep, stampTick } from './relay-model.js';
import type { HopReply, HopRequest, Seen, Tick } from './relay-model.js';

export type HopClientKind = 'proxy' | 'standalone';

export interface RelayOptions {
  readonly name: string;
  readonly next?: { readonly kind: HopClientKind; readonly address: string };
  /** Options of the next-hop client (interceptors, propagateContext). */
  readonly client?: ClientOptions;
  readonly context?: RequestContextModuleOptions;
  /** Context data this hop sets before it calls the next one. */
  readonly setData?: Readonly<Record<string, string>>;
  /** Emits 'start' (service) when a `hold` at this hop starts, 'end' (service, cancelled) when its call was cancelled or the hold elapsed. */
  readonly holds?: EventEmitter;
  /** Observability options of this hop's strategy. */
  readonly strategy?: Pick<GrpcTransportOptions, 'telemetry' | 'accessLog'>;
}

export interface RunningRelay {
  readonly address: string;
  readonly app: INestMicroservice;
  close(): Promise<void>;
}

/** The next hop, whichever client kind reaches it. */
interface NextHop {
  hop(request: HopRequest, options?: CallOptions): Observable<HopReply>;
  close(): Promise<void>;
}

const NEXT_HOP = Symbol('next hop');

/** Any provider, not only the handler, reads the call's context. */
@Injectable()
class HopRecorder {
  constructor(@Inject(GrpcRequestContextService) private readonly context: GrpcRequestContextService) {}
  seen(service: string): Seen {
    return describeContext(service, this.context.require());
  }
  set(name: string, value: string): void {
    this.context.set(name, value);
  }
}

function nextHop(options: RelayOptions): NextHop | null {
  const next = options.next;
  if (next === undefined) return null;
  if (next.kind === 'proxy') {
    const proxy = new GrpcClientProxy({ url: next.address, package: 'relay', protoPath: RELAY_PROTO, loader: RELAY_LOADER, ...options.client });
    const relay = proxy.getService<{ hop(request: HopRequest, metadata?: null, options?: CallOptions): Observable<HopReply> }>('Relay');
    return { hop: (request, callOptions) => relay.hop(request, null, callOptions), close: () => proxy.close() };
  }
  const client = new GrpcClient(next.address, options.client);
  const stub = client.getService<{ Hop(request: HopRequest, options?: CallOptions): Observable<HopReply> }>(loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay'));
  return { hop: (request, callOptions) => stub.Hop(request, callOptions), close: () => client.close() };
}

function relayController(options: RelayOptions): Type {
  const { name, setData = {}, holds } = options;
  const replyTag = (tag: string): string => `${tag}:${stampTick(GrpcRequestContext.current(), tag, 0).rid}`;

  @Controller()
  class RelayController {
    constructor(@Inject(HopRecorder) private readonly recorder: HopRecorder, @Inject(NEXT_HOP) private readonly next: NextHop | null) {}

    /**
     * Records its context after an await, sets data, calls on; the tag is stamped after the answer comes back.
     * A `hold` goes on to the next hop by a promise: unsubscribing this call's answer does not reach it, so only
     * cancellation propagated by the client can end the downstream call.
     */
    @GrpcHandler('Relay', 'Hop')
    hop(@Payload() request: HopRequest, @Ctx() call: CallContext): Observable<HopReply> {
      const next = this.next;
      const answer = (hops: Seen[]): HopReply => ({ hops, tag: replyTag(request.tag) });
      const options = request.timeout ? { timeout: request.timeout } : undefined;
      return defer(async () => {
        await sleep(request.delay ?? 0);
        const seen: Seen = { ...this.recorder.seen(name), deadline: call.deadline ?? Infinity };
        for (const [key, value] of Object.entries(setData)) this.recorder.set(key, value);
        return seen;
      }).pipe(mergeMap((seen) => next !== null && !request.hold && !request.repeat
        ? next.hop(request, options).pipe(map((reply) => answer([seen, ...reply.hops])))
        : defer(async () => {
          if (next !== null && request.repeat) return answer([{ ...seen, ...await callRepeatedly(next, call.signal, request.repeat) }]);
          if (next !== null) return answer([seen, ...(await lastValueFrom(next.hop(request, options))).hops]);
          if (request.hold) {
            holds?.emit('start', name);
            holds?.emit('end', name, await hold(call.signal, request.hold));
          }
          return answer([seen]);
        })));
    }

    /** An async generator: every value is produced after an await. */
    @GrpcHandler('Relay', 'Ticks')
    async *ticks(@Payload() request: HopRequest): AsyncIterable<Tick> {
      for (let seq = 0; seq < (request.count ?? 0); seq++) {
        await sleep(request.delay ?? 0);
        yield stampTick(GrpcRequestContext.current(), request.tag, seq);
      }
    }

    /** Per request: a tick stamped as it arrives (connection events), then one from a delayed Observable. */
    @GrpcHandler('Relay', 'Chat')
    chat(@Payload() requests: Observable<HopRequest>): Observable<Tick> {
      let seq = 0;
      return requests.pipe(
        map((request) => ({ request, arrival: stampTick(GrpcRequestContext.current(), request.tag, seq++) })),
        concatMap(({ request, arrival }) => concat(
          of(arrival),
          timer(request.delay ?? 0).pipe(map(() => stampTick(GrpcRequestContext.current(), request.tag, seq++))),
        )),
      );
    }
  }
  return RelayController;
}

/** Waits `ms` or until `signal` aborts; true when it aborted. */
function hold(signal: AbortSignal, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const timeout = setTimeout(() => resolve(false), ms);
    signal.addEventListener('abort', () => { clearTimeout(timeout); resolve(true); }, { once: true });
  });
}

/**
 * `times` sequential calls to the next hop; reports the abort listeners on the served call's signal while the
 * first was in flight and after the last, less those before.
 */
async function callRepeatedly(next: NextHop, signal: AbortSignal, times: number): Promise<Pick<Seen, 'listeners_in_flight' | 'leaked_listeners'>> {
  const listeners = (): number => getEventListeners(signal, 'abort').length;
  const before = listeners();
  let inFlight = 0;
  for (let i = 0; i < times; i++) {
    const answer = lastValueFrom(next.hop({ tag: `r${i}` }));
    if (i === 0) inFlight = listeners() - before;
    await answer;
  }
  return { listeners_in_flight: inFlight, leaked_listeners: listeners() - before };
}

/** A listening relay hop; close() closes the app and its next-hop client. */
export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const address = `127.0.0.1:${await freePort()}`;
  const next = nextHop(options);
  const providers: Provider[] = [HopRecorder, { provide: NEXT_HOP, useValue: next }];
  @Module({ imports: [GrpcRequestContextModule.forRoot(options.context)], controllers: [relayController(options)], providers })
  class RelayModule {}
  const strategy = new GrpcTransportStrategy({ url: address, package: 'relay', protoPath: RELAY_PROTO, loader: RELAY_LOADER, ...options.strategy });
  const app = await NestFactory.createMicroservice(RelayModule, { strategy, logger: false });
  await app.listen();
  return {
    address,
    app,
    close: async () => {
      await next?.close();
      await app.close();
    },
  };
}
