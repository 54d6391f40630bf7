import 'reflect-metadata';
// One trace across A -> B -> C, three Nest microservices on GrpcTransportStrategy with request-context propagation
// on, through both client kinds (GrpcClientProxy and the standalone client) at each position; and the access log
// through Nest's strategy option.
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import type { AccessLogEntry } from '../../lib/observability/access-log.js';
import { loadProtos } from '../../lib/schema/load-protos.js';
import { BOUND, RELAY_LOADER, RELAY_PROTO } from '../nest/context/relay-model.js';
import type { HopReply, HopRequest } from '../nest/context/relay-model.js';
import { startRelay } from '../nest/context/relay-app.js';
import type { HopClientKind, RunningRelay } from '../nest/context/relay-app.js';
import { Recording } from './telemetry-fixtures.js';

const chains: Array<readonly [HopClientKind, HopClientKind]> = [['proxy', 'standalone'], ['standalone', 'proxy']];

for (const [first, second] of chains) {
  describe(`telemetry A -(${first})-> B -(${second})-> C under Nest`, BOUND, () => {
    const recording = new Recording();
    const access: AccessLogEntry[] = [];
    let relays: RunningRelay[] = [];
    let caller: GrpcClient;
    let hop: (request: HopRequest) => Promise<HopReply>;

    before(async () => {
      const telemetry = recording.options();
      const strategy = { telemetry, accessLog: { log: (entry: AccessLogEntry) => access.push(entry) } };
      const c = await startRelay({ name: 'C', strategy });
      const b = await startRelay({ name: 'B', next: { kind: second, address: c.address }, client: { telemetry }, strategy });
      const a = await startRelay({ name: 'A', next: { kind: first, address: b.address }, client: { telemetry }, strategy });
      relays = [a, b, c];
      caller = new GrpcClient(a.address, { telemetry });
      const stub = caller.getService(loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay'));
      hop = (request) => stub.Hop!.promise!(request) as Promise<HopReply>;
    });
    after(async () => {
      await caller?.close();
      for (const relay of relays) await relay.close();
    });

    it('one trace id; each server span the child of the client span that called it, each client span the child of its hop', async () => {
      const tracer = recording.tracerProvider.getTracer('test');
      const reply = await tracer.startActiveSpan('caller', async (root) => {
        try {
          return await hop({ tag: 't' });
        } finally {
          root.end();
        }
      });
      assert.deepEqual(reply.hops.map((h) => h.service), ['A', 'B', 'C']);
      const spans = await recording.spans(7);
      assert.equal(spans.length, 7, spans.map((s) => `${SpanKind[s.kind]} ${s.name}`).join(', '));
      assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1);
      const childOf = (parent: ReadableSpan, kind: SpanKind): ReadableSpan => {
        const found = spans.filter((s) => s.kind === kind && s.parentSpanContext?.spanId === parent.spanContext().spanId);
        assert.equal(found.length, 1, `one ${SpanKind[kind]} child of ${parent.name}`);
        return found[0]!;
      };
      let parent = spans.find((s) => s.name === 'caller')!;
      for (let i = 0; i < 3; i++) {
        const client = childOf(parent, SpanKind.CLIENT);
        const server = childOf(client, SpanKind.SERVER);
        assert.equal(server.name, 'relay.Relay/Hop');
        assert.equal(client.name, 'relay.Relay/Hop');
        parent = server;
      }
      assert.equal(spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId).length, 0, 'C calls nobody');
      // The trace context each hop saw is its caller's span, not the upstream traceparent forwarded verbatim.
      assert.equal(new Set(reply.hops.map((h) => h.headers.traceparent)).size, 3);
    });

    it('the access log has one entry per hop', async () => {
      access.length = 0;
      await hop({ tag: 'log' });
      for (let i = 0; i < 100 && access.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(access.map((e) => `${e.method} ${e.status}`), Array(3).fill('relay.Relay/Hop OK'));
    });
  });
}
