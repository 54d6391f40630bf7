// GrpcServer's requestContext option, without Nest: a served call's metadata, deadline and cancellation reach the
// calls its handler makes (from the handler body, a later-subscribed Observable answer, an async generator answer
// and a request stream), A -> B on loopback. Deadline and cancellation are compared live with grpc-js's
// `parent: call` propagation on the same scenario; grpc-js has no metadata propagation to compare with.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { defer, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient, GrpcRequestContext, GrpcServer, loadProtos, Metadata } from '../../lib/index.js';
import type { CallContext, CallOptions, ServerOptions } from '../../lib/index.js';

const RELAY_PROTO = fileURLToPath(new URL('../../../test/nest/context/protos/relay.proto', import.meta.url));
const LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const SERVICE = loadProtos(RELAY_PROTO, LOADER).service('relay.Relay');
const BOUND = { timeout: 20_000 };
/** A deadline crosses a hop as a relative grpc-timeout: the next hop's may be later by the transit time. */
const TRANSIT = 1_000;
/** Longer than any test runs: a hold that ends by itself means the cancel never arrived. */
const LONG_HOLD = 15_000;

interface HopRequest { tag: string; count?: number; hold?: number }
interface Seen { service: string; id: string; stack: string[]; headers: Record<string, string>; deadline?: number }
interface HopReply { hops: Seen[]; tag: string }
interface Tick { tag: string; rid: string; id: string; seq: number }
interface RelayStub {
  Hop(request: HopRequest, options?: CallOptions): Observable<HopReply>;
  Ticks(request: HopRequest, options?: CallOptions): Observable<Tick>;
  Chat(requests: Observable<HopRequest>, options?: CallOptions): Observable<Tick>;
}

/** B, the last hop: reports the headers and deadline it received; `hold` waits for a cancel, reported on `holds`. */
async function startLastHop(holds: EventEmitter): Promise<{ address: string; server: GrpcServer }> {
  const server = new GrpcServer();
  const seen = (call: CallContext): Seen => {
    const headers: Record<string, string> = {};
    for (const key of call.metadata.keys()) if (key !== 'user-agent') headers[key] = String(call.metadata.get(key)[0]);
    return { service: 'B', id: '', stack: [], headers, deadline: call.deadline ?? Infinity };
  };
  server.addService(SERVICE, {
    Hop: async (request: HopRequest, call: CallContext): Promise<HopReply> => {
      if ((request.hold ?? 0) > 0) {
        holds.emit('start');
        const cancelled = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), request.hold);
          call.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(true); }, { once: true });
        });
        holds.emit('end', cancelled);
      }
      return { hops: [seen(call)], tag: request.tag };
    },
    Ticks: (request: HopRequest, call: CallContext): Tick[] => [{ tag: request.tag, rid: seen(call).headers['x-request-id'] ?? '', id: '', seq: 0 }],
  });
  return { address: `127.0.0.1:${await server.listen('127.0.0.1:0')}`, server };
}

/** A, served by GrpcServer with `options`: every answer shape calls B and reports what B saw. */
async function startMiddleHop(options: ServerOptions, next: RelayStub): Promise<{ address: string; server: GrpcServer }> {
  const server = new GrpcServer(options);
  const mine = (): Seen => {
    const context = GrpcRequestContext.current();
    return { service: 'A', id: context?.callId ?? '', stack: [...(context?.callIdStack ?? [])], headers: {} };
  };
  const tickFromB = async (tag: string, seq: number): Promise<Tick> => {
    const [b] = (await lastValueFrom(next.Hop({ tag }))).hops;
    return { tag, rid: b!.headers['x-request-id'] ?? '', id: b!.headers['x-call-id-stack'] ?? '', seq };
  };
  server.addService(SERVICE, {
    Hop: async (request: HopRequest): Promise<HopReply> => {
      const reply = await lastValueFrom(next.Hop(request));
      return { hops: [mine(), ...reply.hops], tag: request.tag };
    },
    // The server subscribes to the Observable, or pulls the generator, after the handler has returned.
    Ticks: (request: HopRequest): Observable<Tick> | AsyncGenerator<Tick> => request.tag === 'generator'
      ? (async function* ticks() { for (let seq = 0; seq < 2; seq++) yield await tickFromB(request.tag, seq); })()
      : defer(() => from([0, 1])).pipe(mergeMap((seq) => tickFromB(request.tag, seq))),
    // Request messages arrive from the connection's events.
    Chat: (requests: Observable<HopRequest>): Observable<Tick> => requests.pipe(mergeMap((request, seq) => tickFromB(request.tag, seq))),
  });
  return { address: `127.0.0.1:${await server.listen('127.0.0.1:0')}`, server };
}

/** The same A on grpc-js, passing `parent: call` (default propagate flags: deadline and cancellation). */
async function startGrpcJsMiddleHop(nextAddress: string): Promise<{ address: string; server: grpc.Server; client: grpc.Client }> {
  const definition = protoLoader.loadSync(RELAY_PROTO, LOADER);
  const Relay = (grpc.loadPackageDefinition(definition)['relay'] as grpc.GrpcObject)['Relay'] as grpc.ServiceClientConstructor;
  const client = new Relay(nextAddress, grpc.credentials.createInsecure());
  const server = new grpc.Server();
  server.addService(Relay.service, {
    Hop: (call: grpc.ServerUnaryCall<HopRequest, HopReply>, callback: grpc.sendUnaryData<HopReply>) => {
      (client as unknown as Record<string, (...args: unknown[]) => unknown>)['Hop']!(call.request, new grpc.Metadata(), { parent: call },
        (err: grpc.ServiceError | null, reply?: HopReply) => callback(err, reply));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, server, client };
}

function stubOf(client: GrpcClient): RelayStub {
  return client.getService<RelayStub>(SERVICE);
}

/** Starts a hold at B through `stub`, cancels once B holds; resolves with whether B's handler saw the cancel. */
async function cancelWhileHolding(stub: RelayStub, holds: EventEmitter): Promise<boolean> {
  const started = once(holds, 'start');
  const ended = once(holds, 'end');
  const subscription = stub.Hop({ tag: 'cancel', hold: LONG_HOLD }).subscribe({ error: () => undefined });
  await started;
  subscription.unsubscribe();
  const [cancelled] = await ended as [boolean];
  return cancelled;
}

describe('GrpcServer requestContext option', BOUND, () => {
  const holds = new EventEmitter();
  const clients: GrpcClient[] = [];
  const servers: GrpcServer[] = [];
  let grpcJs: Awaited<ReturnType<typeof startGrpcJsMiddleHop>>;
  /** Callers of A: with the option on, off, and A on grpc-js. */
  const callers = {} as Record<'on' | 'off' | 'custom' | 'grpc-js', RelayStub>;
  const connect = (address: string): RelayStub => {
    const client = new GrpcClient(address);
    clients.push(client);
    return stubOf(client);
  };

  before(async () => {
    const b = await startLastHop(holds);
    servers.push(b.server);
    const kinds = [['on', { requestContext: true }], ['off', {}], ['custom', { requestContext: { forward: ['x-tenant'] } }]] as const;
    for (const [kind, options] of kinds) {
      const a = await startMiddleHop(options, connect(b.address));
      servers.push(a.server);
      callers[kind] = connect(a.address);
    }
    grpcJs = await startGrpcJsMiddleHop(b.address);
    callers['grpc-js'] = connect(grpcJs.address);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    grpcJs?.client.close();
    grpcJs?.server.forceShutdown();
    await Promise.all(servers.map((server) => server.close({ force: true })));
  });

  it('passes on forwarded metadata and the call-id stack, not credentials; off, nothing', async () => {
    const metadata = new Metadata({ 'x-request-id': 'r-1', authorization: 'Bearer secret' });
    const on = await lastValueFrom(callers.on.Hop({ tag: 'm' }, { metadata }));
    const [a, b] = on.hops;
    assert.match(a!.id, /^relay\.Relay\.Hop\./);
    assert.deepEqual(a!.stack, [a!.id]);
    assert.equal(b!.headers['x-request-id'], 'r-1');
    assert.equal(b!.headers['x-call-id-stack'], a!.id);
    assert.equal(b!.headers['authorization'], undefined);
    const off = await lastValueFrom(callers.off.Hop({ tag: 'm' }, { metadata }));
    assert.equal(off.hops[0]!.id, '', 'no context without the option');
    assert.deepEqual(off.hops[1]!.headers, {});
  });

  it('takes RequestContextOptions instead of true; a bad one fails the constructor', async () => {
    const metadata = new Metadata({ 'x-request-id': 'r-1', 'x-tenant': 'acme' });
    const b = (await lastValueFrom(callers.custom.Hop({ tag: 'o' }, { metadata }))).hops[1]!;
    assert.equal(b.headers['x-tenant'], 'acme');
    assert.equal(b.headers['x-request-id'], undefined, '`forward` replaces the default keys');
    assert.throws(() => new GrpcServer({ requestContext: { maxCallIdStack: 0 } }), /maxCallIdStack must be a positive integer/);
  });

  for (const kind of ['on', 'grpc-js'] as const) {
    it(`${kind === 'on' ? 'ours' : 'grpc-js with parent: call'}: the served call's deadline bounds the call it makes`, async () => {
      const sent = Date.now() + 5_000;
      const reply = await lastValueFrom(callers[kind].Hop({ tag: 'd' }, { deadline: sent }));
      const b = reply.hops.at(-1)!;
      assert.ok(b.deadline! <= sent + TRANSIT && b.deadline! > Date.now(), `B's deadline ${b.deadline} vs sent ${sent}`);
    });

    it(`${kind === 'on' ? 'ours' : 'grpc-js with parent: call'}: cancelling the served call cancels the call it makes`, async () => {
      assert.equal(await cancelWhileHolding(callers[kind], holds), true);
    });
  }

  it('off: the call made is not bounded by the served call\'s deadline', async () => {
    const reply = await lastValueFrom(callers.off.Hop({ tag: 'd' }, { deadline: Date.now() + 5_000 }));
    assert.equal(reply.hops.at(-1)!.deadline, Infinity);
  });

  const ANSWERS: ReadonlyArray<readonly [string, (stub: RelayStub, metadata: Metadata) => Observable<Tick>]> = [
    ['an Observable answer, subscribed after the handler returned', (stub, metadata) => stub.Ticks({ tag: 'observable' }, { metadata })],
    ['an async generator answer, pulled after the handler returned', (stub, metadata) => stub.Ticks({ tag: 'generator' }, { metadata })],
    ['calls made per request message of a request stream', (stub, metadata) => stub.Chat(from([{ tag: 'c0' }, { tag: 'c1' }]), { metadata })],
  ];
  for (const [name, call] of ANSWERS) {
    it(`keeps the context in ${name}`, async () => {
      const ticks = await lastValueFrom(call(callers.on, new Metadata({ 'x-request-id': 'r-2' })).pipe(toArray()));
      assert.equal(ticks.length, 2);
      for (const tick of ticks) {
        assert.equal(tick.rid, 'r-2');
        assert.match(tick.id, /^relay\.Relay\.(Ticks|Chat)\./);
      }
    });
  }
});
