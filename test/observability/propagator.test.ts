// The application's propagator is the one used (as a B3 user would configure): a custom one here, whose header
// carries the trace across the call and replaces W3C traceparent entirely.
import { propagation, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import type { CallContext } from '../../lib/server/call-context.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { shapes } from '../server/fixtures.js';
import { Recording } from './telemetry-fixtures.js';

const HEADER = 'x-custom-trace';

class CustomPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(context);
    if (span !== undefined) setter.set(carrier, HEADER, `${span.traceId}:${span.spanId}`);
  }
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const value = getter.get(carrier, HEADER);
    const [traceId, spanId] = String(Array.isArray(value) ? value[0] : value).split(':');
    if (traceId === undefined || spanId === undefined || value === undefined) return context;
    return trace.setSpanContext(context, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  }
  fields(): string[] {
    return [HEADER];
  }
}

describe('propagator', () => {
  it('injects and extracts through the globally configured propagator, not a fixed traceparent', async () => {
    const recording = new Recording();
    propagation.disable();
    propagation.setGlobalPropagator(new CustomPropagator());
    let seen: CallContext | undefined;
    const server = new GrpcServer({ telemetry: recording.options() });
    server.addService(shapes, { Unary: (_req: never, ctx: CallContext) => { seen = ctx; return {}; } });
    const port = await server.listen('127.0.0.1:0');
    const client = new GrpcClient(`127.0.0.1:${port}`, { telemetry: recording.options() });
    try {
      await client.callForResponse(shapes.methods.get('Unary')!, {});
      const spans = await recording.spans(2);
      const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT)!;
      const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER)!;
      assert.deepEqual(seen!.metadata.get(HEADER), [`${clientSpan.spanContext().traceId}:${clientSpan.spanContext().spanId}`]);
      assert.deepEqual(seen!.metadata.get('traceparent'), []);
      assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
      assert.equal(serverSpan.spanContext().traceId, clientSpan.spanContext().traceId);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      await client.close({ force: true });
      await server.close({ force: true });
    }
  });
});
