import 'reflect-metadata';
// A served call's deadline and cancellation reach the calls it makes, over A -> B -> C Nest hops on loopback with
// both client kinds at each position; one served call making 200 calls leaves no abort listener behind; and
// propagateContext turns each part off.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CallOptions } from '../../../lib/client/call-options.js';
import type { ClientInterceptor, PropagateOptions } from '../../../lib/client/client-interceptor.js';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
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
    let relays: RunningRelay[] = [];
    let caller: Caller;

    before(async () => {
      const c = await startRelay({ name: 'C', holds });
      const b = await startRelay({ name: 'B', next: { kind: second, address: c.address }, client: { interceptors: [atB.interceptor] } });
      const a = await startRelay({ name: 'A', next: { kind: first, address: b.address }, client: { interceptors: [atA.interceptor] } });
      relays = [a, b, c];
      caller = callerOf(a.address);
    });
    after(async () => {
      await caller?.close();
      for (const relay of relays) await relay.close();
    });

    it('each hop\'s deadline is no later than its caller\'s, though each hop asks for a longer timeout', async () => {
      const sent = Date.now() + 5_000;
      const [a, b, c] = deadlines((await caller.hop({ tag: 't', timeout: 60_000 }, { deadline: sent })).hops);
      assert.ok(a! <= sent + TRANSIT, `A ${a} vs sent ${sent}`);
      assert.ok(b! <= a! + TRANSIT, `B ${b} vs A ${a}`);
      assert.ok(c! <= b! + TRANSIT, `C ${c} vs B ${b}`);
    });

    it('with no deadline upstream, a hop\'s own timeout is the deadline downstream', async () => {
      const sent = Date.now();
      const [a, b, c] = deadlines((await caller.hop({ tag: 't', timeout: 60_000 })).hops);
      assert.equal(a, Infinity);
      assert.ok(b! >= sent + 30_000 && b! <= Date.now() + 60_000 + TRANSIT, `B ${b}`);
      assert.ok(c! <= b! + TRANSIT, `C ${c} vs B ${b}`);
    });

    it('a call from outside any served call, without a deadline, gives none to any hop', async () => {
      assert.deepEqual(deadlines((await caller.hop({ tag: 't' })).hops), [Infinity, Infinity, Infinity]);
    });

    it('cancelling the call to A cancels A\'s call to B and B\'s to C', async () => {
      assert.equal(await caller.cancelWhileHolding(holds, LONG_HOLD), true, 'C saw its call cancelled');
      for (const [hop, { statuses }] of [['A', atA], ['B', atB]] as const) {
        const { code, message } = statuses.at(-1)!;
        assert.deepEqual({ code, message }, { code: Status.CANCELLED, message: 'Cancelled on client' }, hop);
      }
    });
  });
}

for (const kind of KINDS) {
  describe(`one served call making 200 calls through the ${kind} client`, BOUND, () => {
    let relays: RunningRelay[] = [];
    let caller: Caller;

    before(async () => {
      const b = await startRelay({ name: 'B' });
      const a = await startRelay({ name: 'A', next: { kind, address: b.address } });
      relays = [a, b];
      caller = callerOf(a.address);
    });
    after(async () => {
      await caller?.close();
      for (const relay of relays) await relay.close();
    });

    it('listens on the served call\'s signal while a call runs, and leaves no listener behind', async () => {
      const [seen] = (await caller.hop({ tag: 'many', repeat: 200 })).hops;
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
      let relays: RunningRelay[] = [];
      let caller: Caller;

      before(async () => {
        const b = await startRelay({ name: 'B', holds });
        const a = await startRelay({ name: 'A', next: { kind, address: b.address }, client: { propagateContext } });
        relays = [a, b];
        caller = callerOf(a.address);
      });
      after(async () => {
        await caller?.close();
        for (const relay of relays) await relay.close();
      });

      it(`deadline ${deadline ? 'passed on' : 'not passed on'}, metadata ${metadata ? 'passed on' : 'not passed on'}`, async () => {
        const [, b] = (await caller.hop({ tag: 't' }, { timeout: 5_000 })).hops;
        assert.equal(Number.isFinite(b!.deadline), deadline, `B's deadline ${b!.deadline}`);
        assert.equal(b!.stack.length, metadata ? 2 : 1);
      });

      it(`cancellation ${cancellation ? 'passed on' : 'not passed on'}`, async () => {
        assert.equal(await caller.cancelWhileHolding(holds, cancellation ? LONG_HOLD : 300), cancellation);
      });
    });
  }
}
