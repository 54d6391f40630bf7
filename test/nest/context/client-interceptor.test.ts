import 'reflect-metadata';
// Client interceptors on GrpcClient and GrpcClientProxy: onStart sees and changes request metadata (after the
// served call's context was added), onEnd sees each final status and the duration; and propagation can be off.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import type { CallOptions } from '../../../lib/client/call-options.js';
import type { ClientCallResult, ClientInterceptor, OutgoingCall } from '../../../lib/client/client-interceptor.js';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { Metadata } from '../../../lib/protocol/metadata.js';
import { Status } from '../../../lib/protocol/status.js';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { BOUND, RELAY_LOADER, RELAY_PROTO } from './relay-model.js';
import type { HopReply, HopRequest } from './relay-model.js';
import { startRelay } from './relay-app.js';
import type { RunningRelay } from './relay-app.js';

interface RelayStub { Hop(request: HopRequest, options?: CallOptions): Observable<HopReply> }

/** Records every hook call; onStart may also change the metadata. */
class Recorder implements ClientInterceptor {
  readonly starts: Array<Record<string, string[]>> = [];
  readonly ends: ClientCallResult[] = [];
  constructor(private readonly log: string[] = [], private readonly name = '', private readonly edit?: (call: OutgoingCall) => void) {}
  onStart(call: OutgoingCall): void {
    this.log.push(`start ${this.name}`);
    this.edit?.(call);
    this.starts.push(call.metadata.toJSON());
  }
  onEnd(_call: OutgoingCall, result: ClientCallResult): void {
    this.log.push(`end ${this.name}`);
    this.ends.push(result);
  }
}

const service = loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay');

describe('client interceptors', BOUND, () => {
  let relays: RunningRelay[] = [];
  const clients: GrpcClient[] = [];
  let target: string;
  const stubWith = (interceptors: ClientInterceptor[]): RelayStub => {
    const client = new GrpcClient(target, { interceptors });
    clients.push(client);
    return client.getService<RelayStub>(service);
  };

  before(async () => {
    const b = await startRelay({ name: 'B' });
    relays.push(b);
    target = b.address;
  });
  after(async () => {
    for (const client of clients) await client.close();
    for (const relay of relays) await relay.close();
  });

  it('onStart changes the outgoing metadata, not the caller\'s; onEnd sees OK and the duration', async () => {
    const auth = new Recorder([], 'auth', (call) => call.metadata.set('authorization', 'Bearer t'));
    const mine = new Metadata({ 'x-request-id': 'r1' });
    const reply = await lastValueFrom(stubWith([auth]).Hop({ tag: 'a', delay: 30 }, { metadata: mine }));
    assert.equal(reply.hops[0]!.headers.authorization, 'Bearer t');
    assert.deepEqual(mine.toJSON(), { 'x-request-id': ['r1'] });
    assert.deepEqual(auth.starts, [{ 'x-request-id': ['r1'], authorization: ['Bearer t'] }]);
    assert.equal(auth.ends[0]!.status.code, Status.OK);
    assert.ok(auth.ends[0]!.durationMs >= 25, `duration ${auth.ends[0]!.durationMs}`);
  });

  it('onEnd sees failures and cancels; the call\'s own onStatus still runs; ends unwind in reverse', async () => {
    const log: string[] = [];
    const outer = new Recorder(log, 'outer');
    const inner = new Recorder(log, 'inner');
    const stub = stubWith([outer, inner]);
    const statuses: number[] = [];
    const err = await lastValueFrom(stub.Hop({ tag: 'd', delay: 500 }, { timeout: 20, onStatus: (s) => statuses.push(s.code) })).catch((e: unknown) => e);
    assert.ok(err instanceof GrpcError && err.code === Status.DEADLINE_EXCEEDED);
    assert.deepEqual(log, ['start outer', 'start inner', 'end inner', 'end outer']);
    const subscription = stub.Hop({ tag: 'c', delay: 500 }).subscribe();
    await new Promise((resolve) => setTimeout(resolve, 20));
    subscription.unsubscribe();
    assert.deepEqual([...statuses, ...inner.ends.map((r) => r.status.code)], [Status.DEADLINE_EXCEEDED, Status.DEADLINE_EXCEEDED, Status.CANCELLED]);
  });

  it('an onStart that throws fails the call with its error; an onEnd that throws becomes a warning', async () => {
    const refusal = new Error('no token');
    const refused = await lastValueFrom(stubWith([{ onStart: () => { throw refusal; } }]).Hop({ tag: 'x' })).catch((e: unknown) => e);
    assert.equal(refused, refusal);
    const warned = once(process, 'warning');
    const reply = await lastValueFrom(stubWith([{ onEnd: () => { throw new Error('metrics down'); } }]).Hop({ tag: 'y' }));
    assert.equal(reply.tag, 'y:');
    const [warning] = await warned as [Error];
    assert.equal(warning.message, 'metrics down');
  });

  it('GrpcClientProxy takes them in its options', async () => {
    const recorder = new Recorder([], 'proxy', (call) => call.metadata.set('x-via', 'proxy'));
    const proxy = new GrpcClientProxy({ url: target, package: 'relay', protoPath: RELAY_PROTO, loader: RELAY_LOADER, interceptors: [recorder] });
    try {
      const reply = await lastValueFrom(proxy.getService<{ hop(r: HopRequest): Observable<HopReply> }>('Relay').hop({ tag: 'p' }));
      assert.equal(reply.hops[0]!.headers['x-via'], 'proxy');
      assert.deepEqual(recorder.ends.map((r) => r.status.code), [Status.OK]);
    } finally {
      await proxy.close();
    }
  });
});

describe('client interceptors inside a served call', BOUND, () => {
  let relays: RunningRelay[] = [];
  let caller: GrpcClient;
  const start = async (client: ConstructorParameters<typeof GrpcClient>[1]): Promise<RelayStub> => {
    const b = await startRelay({ name: 'B' });
    const a = await startRelay({ name: 'A', next: { kind: 'standalone', address: b.address }, client });
    relays.push(a, b);
    caller = new GrpcClient(a.address);
    return caller.getService<RelayStub>(service);
  };
  after(async () => {
    await caller?.close();
    for (const relay of relays) await relay.close();
  });

  it('see the propagated context first and may change it', async () => {
    const recorder = new Recorder([], 'edit', (call) => call.metadata.set('x-request-id', 'changed'));
    const stub = await start({ interceptors: [recorder] });
    const reply = await lastValueFrom(stub.Hop({ tag: 'i' }, { metadata: { 'x-request-id': 'r2' } }));
    assert.equal(recorder.starts[0]!['x-call-id-stack']![0], reply.hops[0]!.id);
    assert.equal(reply.hops[1]!.headers['x-request-id'], 'changed');
  });

  it('propagateContext: false sends none of it', async () => {
    const stub = await start({ propagateContext: false });
    const reply = await lastValueFrom(stub.Hop({ tag: 'o' }, { metadata: { 'x-request-id': 'r3', 'x-context-user': 'ada' } }));
    const b = reply.hops[1]!;
    assert.deepEqual([b.stack.length, b.headers['x-request-id'], b.data], [1, undefined, {}]);
  });
});
