// grpc-js servers for the balancing tests: each answers with its name, and the test sets per server how its next
// calls behave (fail with a code, answer late, hang until released). One may run in a child process to be SIGKILLed.

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { loadProtos } from '../../lib/schema/load-protos.js';
import type { ServiceDescriptor } from '../../lib/schema/descriptors.js';

export const WHERE_PROTO = fileURLToPath(new URL('../../../test/balance/protos/where.proto', import.meta.url));
export const whereService: ServiceDescriptor = loadProtos(WHERE_PROTO).service('balancetest.Where');

export interface WhoRequest { tag: string }
export interface WhoReply { server: string; previous_attempts: number }
export interface SeenReply { server: string; previous_attempts: number; tags: string[] }

const definition = protoLoader.loadSync(WHERE_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
export const WhereClient = (grpc.loadPackageDefinition(definition)['balancetest'] as grpc.GrpcObject)['Where'] as grpc.ServiceClientConstructor;

/** How a server answers its next calls; the test changes it while the server runs. */
export interface Behaviour {
  /** Fail this many of the next calls with `failCode` (Infinity: all). */
  failNext: number;
  failCode: grpc.status;
  /** Answer after this many milliseconds. */
  delayMs: number;
  /** A failure carries this grpc-retry-pushback-ms trailer. */
  pushback?: string;
  /** A failure comes after response headers (the client has committed the call by then); Chat sends them first thing. */
  headersFirst?: boolean;
  /** Collect and Chat fail once this many request messages came; undefined: when the request stream ends. */
  failAfterMessages?: number;
  /**
   * Set: Who and Stream calls that come get no answer, not even response headers (a server that stopped answering,
   * about to die); the function is told of each one held.
   */
  hold?: () => void;
}

export interface WhereServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly behaviour: Behaviour;
  /** Calls that reached the handler, each with its grpc-previous-rpc-attempts. */
  readonly calls: number[];
  /** Graceful: GOAWAY, calls in flight finish. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export function whereImplementation(name: string, behaviour: Behaviour, calls: number[]): grpc.UntypedServiceImplementation {
  const answer = (call: { metadata: grpc.Metadata; cancelled: boolean; sendMetadata(metadata: grpc.Metadata): void }, done: (error: grpc.ServiceError | null, reply?: WhoReply) => void): void => {
    const previous = Number(call.metadata.get('grpc-previous-rpc-attempts')[0] ?? 0);
    calls.push(previous);
    if (behaviour.hold !== undefined) return behaviour.hold();
    const respond = (): void => {
      // A hedged attempt cancelled while it waited must not take a failure meant for a later call.
      if (call.cancelled) return;
      if (behaviour.failNext > 0) {
        behaviour.failNext--;
        const trailers = new grpc.Metadata();
        if (behaviour.pushback !== undefined) trailers.set('grpc-retry-pushback-ms', behaviour.pushback);
        if (behaviour.headersFirst === true) call.sendMetadata(new grpc.Metadata());
        const error = Object.assign(new Error(`${name} fails`), { code: behaviour.failCode, details: `${name} fails`, metadata: trailers });
        done(error as grpc.ServiceError);
      } else {
        done(null, { server: name, previous_attempts: previous });
      }
    };
    if (behaviour.delayMs > 0) setTimeout(respond, behaviour.delayMs);
    else respond();
  };
  /** Collect and Chat: read the request stream, fail as the behaviour says or answer with what was read. */
  const collect = (call: grpc.ServerReadableStream<WhoRequest, SeenReply> | grpc.ServerDuplexStream<WhoRequest, SeenReply>,
    done: (error: grpc.ServiceError | null, reply?: SeenReply) => void): void => {
    const previous = Number(call.metadata.get('grpc-previous-rpc-attempts')[0] ?? 0);
    calls.push(previous);
    const tags: string[] = [];
    let answered = false;
    const answer = (): void => {
      if (answered || call.cancelled) return;
      answered = true;
      if (behaviour.failNext > 0) {
        behaviour.failNext--;
        const trailers = new grpc.Metadata();
        if (behaviour.pushback !== undefined) trailers.set('grpc-retry-pushback-ms', behaviour.pushback);
        done(Object.assign(new Error(`${name} fails`), { code: behaviour.failCode, details: `${name} fails`, metadata: trailers }) as grpc.ServiceError);
      } else {
        done(null, { server: name, previous_attempts: previous, tags });
      }
    };
    call.on('data', (request: WhoRequest) => {
      tags.push(request.tag);
      if (behaviour.failNext > 0 && tags.length === behaviour.failAfterMessages) answer();
    });
    call.on('end', () => {
      if (behaviour.delayMs > 0) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
  };
  return {
    Collect: (call: grpc.ServerReadableStream<WhoRequest, SeenReply>, callback: grpc.sendUnaryData<SeenReply>) => collect(call, callback),
    Chat: (call: grpc.ServerDuplexStream<WhoRequest, SeenReply>) => {
      if (behaviour.headersFirst === true) call.sendMetadata(new grpc.Metadata());
      collect(call, (error, reply) => {
        if (error !== null) return call.emit('error', error);
        for (const tag of reply!.tags) call.write({ ...reply!, tags: [tag] });
        call.end();
      });
    },
    Who: (call: grpc.ServerUnaryCall<WhoRequest, WhoReply>, callback: grpc.sendUnaryData<WhoReply>) => answer(call, callback),
    Stream: (call: grpc.ServerWritableStream<WhoRequest, WhoReply>) => answer(call, (error, reply) => {
      if (error !== null) return call.emit('error', error);
      call.write(reply!);
      call.write(reply!);
      call.end();
    }),
  };
}

/** A server named `name` on host (127.0.0.x) and port (0: any). */
export async function startWhereServer(name: string, host: string, port = 0): Promise<WhereServer> {
  const server = new grpc.Server();
  const behaviour: Behaviour = { failNext: 0, failCode: grpc.status.UNAVAILABLE, delayMs: 0 };
  const calls: number[] = [];
  server.addService(WhereClient.service, whereImplementation(name, behaviour, calls));
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err)));
  });
  return {
    name,
    host,
    port: bound,
    address: `${host}:${bound}`,
    behaviour,
    calls,
    drain: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    stop: async () => { server.forceShutdown(); },
  };
}

/** Three servers on 127.0.0.1, .2 and .3 (Linux routes all of 127/8 to loopback). */
export function startThree(): Promise<WhereServer[]> {
  return Promise.all(['a', 'b', 'c'].map((name, i) => startWhereServer(name, `127.0.0.${i + 1}`)));
}

/** The ipv4: target of a set of servers. */
export function ipv4Target(servers: readonly WhereServer[]): string {
  return `ipv4:${servers.map((server) => server.address).join(',')}`;
}

/** Answers per server name. */
export function countByServer(replies: readonly WhoReply[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const reply of replies) counts.set(reply.server, (counts.get(reply.server) ?? 0) + 1);
  return counts;
}
