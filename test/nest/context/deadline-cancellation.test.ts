import 'reflect-metadata';
// A served call's deadline and cancellation reach the calls it makes, over A -> B -> C Nest hops on loopback with
// both client kinds at each position; one served call making 200 calls leaves no abort listener behind;
// propagateContext turns each part off; interceptors may shorten the deadline and set the signal; a standalone
// GrpcServer handler gets the same by running in GrpcRequestContext.forCall(call).
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { defer, lastValueFrom, of } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CallOptions } from '../../../lib/client/call-options.js';
import type { ClientInterceptor, PropagateOptions } from '../../../lib/client/client-interceptor.js';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import type { ExecutionContext } from '@nestjs/common';
import { CompatDuplexCall, CompatServerCall } from '../../../lib/server/grpc-js-calls.js';
import { GrpcRequestContextInterceptor } from '../../../lib/nest/context/request-context.interceptor.js';
import { GrpcRequestContext } from '../../../lib/context/request-context.js';
import { Metadata } from '../../../lib/protocol/metadata.js';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import type { CallContext } from '../../../lib/server/call-context.js';
import { GrpcServer } from '../../../lib/server/grpc-server.js';
import { Status } from '../../../lib/protocol/status.js';
import type { StatusInfo } from '../../../lib/protocol/trailers.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { BOUND, RELAY_LOADER, RELAY_PROTO } from './relay-model.js';
import type { HopReply, HopRequest, Seen } from './relay-model.js';
import { startRelay } from './relay-app.js';
import type { HopClientKind, RunningRelay } from './relay-app.js';

/** A deadline crosses a hop as a relative grpc-timeout, so the next hop's may be later by the transit time. */
const TRANSIT = 1_000;
/** Longer than any test may run (BOUND): a hold that ends by itself means the cancel never arrived. */
const LONG_HOLD = 15_000;
const KINDS: readonly HopClientKind[] = ['proxy', 'standalone'];

interface Caller {
  hop(request: HopRequest, options?: CallOptions): Promise<HopReply>;
  /** Starts a hold at the last hop, cancels the call to A once it holds; resolves with whether the hold saw the cancel. */
  cancelWhileHolding(holds: EventEmitter, hold: number): Promise<boolean>;
  close(): Promise<void>;
}

function callerOf(address: string): Caller {
  const client = new GrpcClient(address);
  const stub = client.getService<{ Hop(request: HopRequest, options?: CallOptions): Observable<HopReply> }>(
    loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay'));
  return {
    hop: (request, options) => lastValueFrom(stub.Hop(request, options)),
    async cancelWhileHolding(holds, hold) {
      const started = once(holds, 'start');
      const ended = once(holds, 'end');
      const subscription = stub.Hop({ tag: 'cancel', hold }).subscribe({ error: () => undefined });
      await started;
      subscription.unsubscribe();
      const [, cancelled] = await ended as [string, boolean];
      return cancelled;
    },
    close: () => client.close(),
  };
}

/** Starts the relays before the suite, the one called first; the returned function gives a caller to it. Closes all after. */
function withRelays(start: () => Promise<RunningRelay[]>): () => Caller {
  let relays: RunningRelay[] = [];
  let caller: Caller | undefined;
  before(async () => {
    relays = await start();
    caller = callerOf(relays[0]!.address);
  });
  after(async () => {
    await caller?.close();
    for (const relay of relays) await relay.close();
  });
  return () => caller!;
}

/** An interceptor that keeps the final status of every call its client makes. */
function statusLog(): { interceptor: ClientInterceptor; statuses: StatusInfo[] } {
  const statuses: StatusInfo[] = [];
  return { interceptor: { onEnd: (_call, { status }) => { statuses.push(status); } }, statuses };
}

const deadlines = (hops: readonly Seen[]): number[] => hops.map((seen) => seen.deadline!);

for (const [first, second] of [['proxy', 'standalone'], ['standalone', 'proxy']] as const) {
  describe(`deadline and cancellation: A -(${first})-> B -(${second})-> C`, BOUND, () => {
    const holds = new EventEmitter();
    const atA = statusLog();
    const atB = statusLog();
    const caller = withRelays(async () => {
      const c = await startRelay({ name: 'C', holds });
      const b = await startRelay({ name: 'B', next: { kind: second, address: c.address }, client: { interceptors: [atB.interceptor] } });
      const a = await startRelay({ name: 'A', next: { kind: first, address: b.address }, client: { interceptors: [atA.interceptor] } });
      return [a, b, c];
    });

    it('each hop\'s deadline is no later than its caller\'s, though each hop asks for a longer timeout', async () => {
      const sent = Date.now() + 5_000;
      const [a, b, c] = deadlines((await caller().hop({ tag: 't', timeout: 60_000 }, { deadline: sent })).hops);
      assert.ok(a! <= sent + TRANSIT, `A ${a} vs sent ${sent}`);
      assert.ok(b! <= a! + TRANSIT, `B ${b} vs A ${a}`);
      assert.ok(c! <= b! + TRANSIT, `C ${c} vs B ${b}`);
    });

    it('with no deadline upstream, a hop\'s own timeout is the deadline downstream', async () => {
      const sent = Date.now();
      const [a, b, c] = deadlines((await caller().hop({ tag: 't', timeout: 60_000 })).hops);
      assert.equal(a, Infinity);
      assert.ok(b! >= sent + 30_000 && b! <= Date.now() + 60_000 + TRANSIT, `B ${b}`);
      assert.ok(c! <= b! + TRANSIT, `C ${c} vs B ${b}`);
    });

    it('a call from outside any served call, without a deadline, gives none to any hop', async () => {
      assert.deepEqual(deadlines((await caller().hop({ tag: 't' })).hops), [Infinity, Infinity, Infinity]);
    });

    it('cancelling the call to A cancels A\'s call to B and B\'s to C', async () => {
      assert.equal(await caller().cancelWhileHolding(holds, LONG_HOLD), true, 'C saw its call cancelled');
      for (const [hop, { statuses }] of [['A', atA], ['B', atB]] as const) {
        const { code, message } = statuses.at(-1)!;
        assert.deepEqual({ code, message }, { code: Status.CANCELLED, message: 'Cancelled by parent call' }, hop);
      }
    });
  });
}

for (const kind of KINDS) {
  describe(`one served call making 200 calls through the ${kind} client`, BOUND, () => {
    const caller = withRelays(async () => {
      const b = await startRelay({ name: 'B' });
      return [await startRelay({ name: 'A', next: { kind, address: b.address } }), b];
    });

    it('listens on the served call\'s signal while a call runs, and leaves no listener behind', async () => {
      const [seen] = (await caller().hop({ tag: 'many', repeat: 200 })).hops;
      assert.deepEqual({ inFlight: seen!.listeners_in_flight, leaked: seen!.leaked_listeners }, { inFlight: 1, leaked: 0 });
    });
  });
}

/** What each propagateContext setting passes on: [setting, deadline, cancellation, metadata]. */
const SETTINGS: ReadonlyArray<readonly [boolean | PropagateOptions, boolean, boolean, boolean]> = [
  [false, false, false, false],
  [{ deadline: false }, false, true, true],
  [{ cancellation: false }, true, false, true],
  [{ metadata: false }, true, true, false],
];

for (const kind of KINDS) {
  for (const [propagateContext, deadline, cancellation, metadata] of SETTINGS) {
    describe(`propagateContext: ${JSON.stringify(propagateContext)} on the ${kind} client`, BOUND, () => {
      const holds = new EventEmitter();
      const caller = withRelays(async () => {
        const b = await startRelay({ name: 'B', holds });
        return [await startRelay({ name: 'A', next: { kind, address: b.address }, client: { propagateContext } }), b];
      });

      it(`deadline ${deadline ? 'passed on' : 'not passed on'}, metadata ${metadata ? 'passed on' : 'not passed on'}`, async () => {
        const [, b] = (await caller().hop({ tag: 't' }, { timeout: 5_000 })).hops;
        assert.equal(Number.isFinite(b!.deadline), deadline, `B's deadline ${b!.deadline}`);
        assert.equal(b!.stack.length, metadata ? 2 : 1);
      });

      it(`cancellation ${cancellation ? 'passed on' : 'not passed on'}`, async () => {
        assert.equal(await caller().cancelWhileHolding(holds, cancellation ? LONG_HOLD : 300), cancellation);
      });
    });
  }
}

describe('interceptors and an outgoing call\'s deadline and signal', BOUND, () => {
  const holds = new EventEmitter();
  let relay: RunningRelay;
  const clients: GrpcClient[] = [];
  const stubWith = (interceptor: ClientInterceptor): { Hop(request: HopRequest, options?: CallOptions): Observable<HopReply> } => {
    const client = new GrpcClient(relay.address, { interceptors: [interceptor] });
    clients.push(client);
    return client.getService(loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay')) as never;
  };

  before(async () => {
    relay = await startRelay({ name: 'B', holds });
  });
  after(async () => {
    for (const client of clients) await client.close();
    await relay?.close();
  });

  it('onStart may shorten the deadline; a later one is ignored', async () => {
    const shorten = stubWith({ onStart: (call) => { call.deadline = Date.now() + 2_000; } });
    const [shortened] = deadlines((await lastValueFrom(shorten.Hop({ tag: 's' }, { timeout: 60_000 }))).hops);
    assert.ok(shortened! <= Date.now() + 2_000 + TRANSIT, `shortened to ${shortened}`);
    const lengthen = stubWith({ onStart: (call) => { call.deadline = Infinity; } });
    const [kept] = deadlines((await lastValueFrom(lengthen.Hop({ tag: 'l' }, { timeout: 2_000 }))).hops);
    assert.ok(kept! <= Date.now() + 2_000 + TRANSIT, `kept ${kept}`);
  });

  it('a deadline that is not a number fails the call with a TypeError', async () => {
    const stub = stubWith({ onStart: (call) => { call.deadline = Number.NaN; } });
    await assert.rejects(lastValueFrom(stub.Hop({ tag: 'n' })), TypeError);
  });

  it('onStart may set a signal: aborted already, the call ends CANCELLED; aborted later, the server sees the cancel', async () => {
    const aborted = stubWith({ onStart: (call) => { call.signal = AbortSignal.abort(); } });
    await assert.rejects(lastValueFrom(aborted.Hop({ tag: 'a' })), (err) => err instanceof GrpcError && err.code === Status.CANCELLED);
    const controller = new AbortController();
    const later = stubWith({ onStart: (call) => { call.signal = controller.signal; } });
    const started = once(holds, 'start');
    const ended = once(holds, 'end');
    const outcome = lastValueFrom(later.Hop({ tag: 'b', hold: LONG_HOLD })).catch((err: unknown) => err);
    await started;
    controller.abort();
    const err = await outcome;
    assert.ok(err instanceof GrpcError);
    assert.deepEqual({ code: err.code, message: err.message }, { code: Status.CANCELLED, message: 'Cancelled by parent call' });
    assert.deepEqual(await ended, ['B', true]);
  });
});

describe('a standalone GrpcServer handler run in GrpcRequestContext.forCall(call)', BOUND, () => {
  const holds = new EventEmitter();
  const server = new GrpcServer();
  let relay: RunningRelay;
  let downstream: GrpcClient;
  let caller: Caller;

  before(async () => {
    relay = await startRelay({ name: 'B', holds });
    downstream = new GrpcClient(relay.address);
    const service = loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay');
    const next = downstream.getService<{ Hop(request: HopRequest): Observable<HopReply> }>(service);
    server.addMethod(service.methods.get('Hop')!, (request: HopRequest, call: CallContext) =>
      GrpcRequestContext.forCall(call).run(() => lastValueFrom(next.Hop(request))));
    caller = callerOf(`127.0.0.1:${await server.listen('127.0.0.1:0')}`);
  });
  after(async () => {
    await caller?.close();
    await downstream?.close();
    await server.close({ force: true });
    await relay?.close();
  });

  it('passes on its deadline and its metadata', async () => {
    const sent = Date.now() + 5_000;
    const [b] = (await caller.hop({ tag: 's' }, { deadline: sent })).hops;
    assert.ok(b!.deadline! <= sent + TRANSIT, `B ${b!.deadline} vs sent ${sent}`);
    assert.equal(b!.stack.length, 2);
  });

  it('passes on its cancellation', async () => {
    assert.equal(await caller.cancelWhileHolding(holds, LONG_HOLD), true);
  });
});

/** A CallContext as far as the interceptor and the compat calls read it, counting reads of its signal. */
function fakeCall(deadline: number | undefined): { call: CallContext; controller: AbortController; signalReads: () => number } {
  const controller = new AbortController();
  let reads = 0;
  const call = {
    method: { path: '/relay.Relay/Hop' },
    metadata: new Metadata(),
    deadline,
    get signal() { reads++; return controller.signal; },
    get cancelled() { return controller.signal.aborted; },
  } as unknown as CallContext;
  return { call, controller, signalReads: () => reads };
}

const HANDLER_ARGS: ReadonlyArray<readonly [string, (call: CallContext) => unknown[], boolean]> = [
  ['@GrpcHandler: (request, CallContext)', (call) => [{}, call], true],
  ['@GrpcMethod: (request, Metadata, call)', (call) => { const compat = new CompatServerCall({}, call); return [{}, compat.metadata, compat]; }, true],
  // The duplex call listens for cancellation itself, as grpc-js's does, so its signal exists from the start.
  ['@GrpcStreamCall: (call)', (call) => [new CompatDuplexCall(of(), call)], false],
];

describe('GrpcRequestContextInterceptor reads the served call\'s deadline and cancellation', () => {
  for (const [name, argsOf, lazy] of HANDLER_ARGS) {
    it(name, async () => {
      const { call, controller, signalReads } = fakeCall(Date.now() + 5_000);
      const rpc = { getType: () => 'rpc', getArgs: () => argsOf(call) } as unknown as ExecutionContext;
      const reads = signalReads();
      const context = await lastValueFrom(new GrpcRequestContextInterceptor().intercept(rpc, { handle: () => defer(() => of(GrpcRequestContext.current())) }));
      assert.ok(context instanceof GrpcRequestContext);
      assert.equal(context.deadline, call.deadline);
      if (lazy) assert.equal(signalReads(), reads, 'no signal made before a call reads it');
      const signal = context.signal!;
      assert.equal(signal.aborted, false);
      controller.abort();
      assert.equal(signal.aborted, true);
    });
  }

  it('a call without a deadline gives Infinity', async () => {
    const { call } = fakeCall(undefined);
    const rpc = { getType: () => 'rpc', getArgs: () => [{}, call] } as unknown as ExecutionContext;
    const context = await lastValueFrom(new GrpcRequestContextInterceptor().intercept(rpc, { handle: () => defer(() => of(GrpcRequestContext.current())) }));
    assert.equal((context as GrpcRequestContext).deadline, Infinity);
  });
});
