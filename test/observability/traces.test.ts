// Spans of our server and standalone client: names, kinds, parents, semantic-convention attributes and status for
// the four call shapes, errors, cancellation and deadlines; attempt spans under retries; one trace across three services.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, Observable, toArray } from 'rxjs';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { ServerHandler } from '../../lib/server/call-context.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import type { ServerOptions } from '../../lib/server/grpc-server.js';
import type { ClientOptions } from '../../lib/client/client-options.js';
import { shapes } from '../server/fixtures.js';
import type { Item } from '../server/fixtures.js';
import { Recording } from './telemetry-fixtures.js';

const UNARY = shapes.methods.get('Unary')!;
const SERVER_STREAM = shapes.methods.get('ServerStream')!;
const CLIENT_STREAM = shapes.methods.get('ClientStream')!;
const BIDI = shapes.methods.get('Bidi')!;

interface Pair {
  server: GrpcServer;
  client: GrpcClient;
  port: number;
  close(): Promise<void>;
}

async function start(handlers: Record<string, ServerHandler>, serverOptions: ServerOptions, clientOptions: ClientOptions): Promise<Pair> {
  const server = new GrpcServer(serverOptions);
  server.addService(shapes, handlers);
  const port = await server.listen('127.0.0.1:0');
  const client = new GrpcClient(`127.0.0.1:${port}`, clientOptions);
  return { server, client, port, async close() { await client.close({ force: true }); await server.close({ force: true }); } };
}

async function withPair(recording: Recording, handlers: Record<string, ServerHandler>, body: (pair: Pair) => Promise<void>, clientExtra: ClientOptions = {}): Promise<void> {
  const pair = await start(handlers, { telemetry: recording.options() }, { telemetry: recording.options(), ...clientExtra });
  try {
    await body(pair);
  } finally {
    await pair.close();
  }
}

function byKind(spans: ReadableSpan[], kind: SpanKind): ReadableSpan[] {
  return spans.filter((span) => span.kind === kind);
}

function only(spans: ReadableSpan[], kind: SpanKind): ReadableSpan {
  const found = byKind(spans, kind);
  assert.equal(found.length, 1, `one ${SpanKind[kind]} span expected, got ${found.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

const echo: Record<string, ServerHandler> = {
  Unary: (req: Item) => ({ text: req.text }),
  ServerStream: (req: Item) => from([{ text: req.text }, { text: req.text }]),
  ClientStream: (requests: never) => new Promise((resolve) => {
    let n = 0;
    (requests as Observable<Item>).subscribe({ next: () => n++, complete: () => resolve({ count: n }) });
  }),
  Bidi: (requests: never) => requests as Observable<Item>,
};

describe('traces', () => {
  it('a unary call: a CLIENT and a SERVER span named package.Service/Method, one trace, server child of client, semconv attributes', async () => {
    const recording = new Recording();
    await withPair(recording, echo, async ({ client, port }) => {
      await client.callForResponse(UNARY, { text: 'hi' });
      const spans = await recording.spans(2);
      const clientSpan = only(spans, SpanKind.CLIENT);
      const serverSpan = only(spans, SpanKind.SERVER);
      for (const span of [clientSpan, serverSpan]) {
        assert.equal(span.name, 'servertest.Shapes/Unary');
        assert.equal(span.attributes['rpc.system'], 'grpc');
        assert.equal(span.attributes['rpc.service'], 'servertest.Shapes');
        assert.equal(span.attributes['rpc.method'], 'Unary');
        assert.equal(span.attributes['rpc.grpc.status_code'], Status.OK);
        assert.equal(span.attributes['server.port'], port);
        assert.equal(span.attributes['server.address'], '127.0.0.1');
        assert.equal(span.status.code, SpanStatusCode.UNSET);
      }
      assert.equal(serverSpan.attributes['network.peer.address'], '127.0.0.1');
      assert.equal(typeof serverSpan.attributes['network.peer.port'], 'number');
      assert.equal(serverSpan.spanContext().traceId, clientSpan.spanContext().traceId);
      assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
      assert.equal(clientSpan.parentSpanContext, undefined);
      assert.deepEqual(clientSpan.events, [], 'message events are off by default');
    });
  });

  it('every call shape gets its pair of spans, OK', async () => {
    const recording = new Recording();
    await withPair(recording, echo, async ({ client }) => {
      await lastValueFrom(client.call(SERVER_STREAM, { text: 'a' }).pipe(toArray()));
      await client.callForResponse(CLIENT_STREAM, from([{ text: 'a' }, { text: 'b' }]));
      await lastValueFrom(client.call(BIDI, from([{ text: 'a' }])).pipe(toArray()));
      const spans = await recording.spans(6);
      const names = spans.map((span) => `${SpanKind[span.kind]} ${span.name} ${String(span.attributes['rpc.grpc.status_code'])}`).sort();
      assert.deepEqual(names, [
        'CLIENT servertest.Shapes/Bidi 0', 'CLIENT servertest.Shapes/ClientStream 0', 'CLIENT servertest.Shapes/ServerStream 0',
        'SERVER servertest.Shapes/Bidi 0', 'SERVER servertest.Shapes/ClientStream 0', 'SERVER servertest.Shapes/ServerStream 0',
      ]);
    });
  });

  it('NOT_FOUND: ERROR on the client, UNSET on the server (semconv); a thrown error: UNKNOWN, ERROR and the exception on the server', async () => {
    const recording = new Recording();
    const handlers: Record<string, ServerHandler> = {
      Unary: (req: Item) => {
        if (req.text === 'missing') throw new GrpcError(Status.NOT_FOUND, 'no such item');
        throw new TypeError('handler bug');
      },
    };
    await withPair(recording, handlers, async ({ client }) => {
      await assert.rejects(client.callForResponse(UNARY, { text: 'missing' }), { code: Status.NOT_FOUND });
      let spans = await recording.spans(2);
      assert.equal(only(spans, SpanKind.CLIENT).status.code, SpanStatusCode.ERROR);
      assert.equal(only(spans, SpanKind.SERVER).status.code, SpanStatusCode.UNSET);
      assert.equal(only(spans, SpanKind.SERVER).attributes['rpc.grpc.status_code'], Status.NOT_FOUND);
      recording.exporter.reset();
      await assert.rejects(client.callForResponse(UNARY, { text: 'bug' }), { code: Status.UNKNOWN });
      spans = await recording.spans(2);
      const serverSpan = only(spans, SpanKind.SERVER);
      assert.equal(serverSpan.status.code, SpanStatusCode.ERROR);
      assert.equal(serverSpan.attributes['rpc.grpc.status_code'], Status.UNKNOWN);
      const exception = serverSpan.events.find((event) => event.name === 'exception');
      assert.equal(exception?.attributes?.['exception.type'], 'TypeError');
      assert.equal(exception?.attributes?.['exception.message'], 'handler bug');
      assert.equal(only(spans, SpanKind.CLIENT).status.code, SpanStatusCode.ERROR);
    });
  });

  it('a deadline: DEADLINE_EXCEEDED and ERROR on the client span; a cancel: CANCELLED on both', async () => {
    const recording = new Recording();
    const handlers: Record<string, ServerHandler> = { Unary: () => new Promise(() => undefined), ServerStream: () => new Observable(() => undefined) };
    await withPair(recording, handlers, async ({ client }) => {
      await assert.rejects(client.callForResponse(UNARY, { text: 'slow' }, { deadline: Date.now() + 50 }), { code: Status.DEADLINE_EXCEEDED });
      let spans = await recording.spans(2);
      const clientSpan = only(spans, SpanKind.CLIENT);
      assert.equal(clientSpan.attributes['rpc.grpc.status_code'], Status.DEADLINE_EXCEEDED);
      assert.equal(clientSpan.status.code, SpanStatusCode.ERROR);
      // Both ends time the same deadline: the server's span ends DEADLINE_EXCEEDED or, when the client's reset came first, CANCELLED.
      assert.ok([Status.DEADLINE_EXCEEDED, Status.CANCELLED].includes(only(spans, SpanKind.SERVER).attributes['rpc.grpc.status_code'] as Status));
      recording.exporter.reset();
      const subscription = client.call(SERVER_STREAM, {}).subscribe({ error: () => undefined });
      await new Promise((r) => setTimeout(r, 50));
      subscription.unsubscribe();
      spans = await recording.spans(2);
      assert.equal(only(spans, SpanKind.CLIENT).attributes['rpc.grpc.status_code'], Status.CANCELLED);
      assert.equal(only(spans, SpanKind.SERVER).attributes['rpc.grpc.status_code'], Status.CANCELLED);
      assert.equal(only(spans, SpanKind.SERVER).status.code, SpanStatusCode.UNSET);
    });
  });

  it('message events, when asked for: one per message sent and received, with its compressed size', async () => {
    const recording = new Recording();
    const server = new GrpcServer({ telemetry: recording.options({ messageEvents: true }) });
    server.addService(shapes, echo);
    const port = await server.listen('127.0.0.1:0');
    const client = new GrpcClient(`127.0.0.1:${port}`, { telemetry: recording.options({ messageEvents: true }) });
    try {
      await lastValueFrom(client.call(SERVER_STREAM, { text: 'abc' }).pipe(toArray()));
      const spans = await recording.spans(2);
      const summary = (span: ReadableSpan): string[] => span.events.map((e) => `${String(e.attributes?.['message.type'])} ${String(e.attributes?.['message.id'])} ${String(e.attributes?.['message.compressed_size'])}`);
      assert.deepEqual(summary(only(spans, SpanKind.CLIENT)), ['SENT 1 5', 'RECEIVED 1 5', 'RECEIVED 2 5']);
      assert.deepEqual(summary(only(spans, SpanKind.SERVER)), ['RECEIVED 1 5', 'SENT 1 5', 'SENT 2 5']);
    } finally {
      await client.close({ force: true });
      await server.close({ force: true });
    }
  });

  it('a retried call: an attempt span per attempt under the call span, the server spans under their attempts', async () => {
    const recording = new Recording();
    let calls = 0;
    const handlers: Record<string, ServerHandler> = {
      Unary: () => {
        calls++;
        if (calls === 1) throw new GrpcError(Status.UNAVAILABLE, 'try again');
        return { text: 'ok' };
      },
    };
    const serviceConfig = {
      methodConfig: [{
        name: [{ service: 'servertest.Shapes' }],
        retryPolicy: { maxAttempts: 3, initialBackoff: '0.01s', maxBackoff: '0.05s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] },
      }],
    };
    await withPair(recording, handlers, async ({ client }) => {
      await client.callForResponse(UNARY, { text: 'x' });
      const spans = await recording.spans(5);
      const callSpan = only(spans, SpanKind.CLIENT);
      const attempts = byKind(spans, SpanKind.INTERNAL).sort((a, b) => Number(a.attributes['grpc.previous-rpc-attempts']) - Number(b.attributes['grpc.previous-rpc-attempts']));
      assert.deepEqual(attempts.map((a) => [a.name, a.attributes['grpc.previous-rpc-attempts'], a.attributes['rpc.grpc.status_code']]),
        [['Attempt.servertest.Shapes/Unary', 0, Status.UNAVAILABLE], ['Attempt.servertest.Shapes/Unary', 1, Status.OK]]);
      for (const attempt of attempts) assert.equal(attempt.parentSpanContext?.spanId, callSpan.spanContext().spanId);
      const servers = byKind(spans, SpanKind.SERVER);
      assert.equal(servers.length, 2);
      assert.deepEqual(servers.map((s) => s.parentSpanContext?.spanId).sort(), attempts.map((a) => a.spanContext().spanId).sort());
      assert.equal(callSpan.attributes['rpc.grpc.status_code'], Status.OK);
    }, { serviceConfig });
  });

  it('one trace across A -> B -> C, started from an application span, with request-context propagation on', async () => {
    const recording = new Recording();
    const servers: GrpcServer[] = [];
    const clients: GrpcClient[] = [];
    const serve = async (handler: ServerHandler): Promise<number> => {
      const server = new GrpcServer({ telemetry: recording.options(), requestContext: true });
      server.addService(shapes, { Unary: handler });
      servers.push(server);
      return server.listen('127.0.0.1:0');
    };
    const connect = (port: number): GrpcClient => {
      const client = new GrpcClient(`127.0.0.1:${port}`, { telemetry: recording.options() });
      clients.push(client);
      return client;
    };
    try {
      const c = await serve((req: Item) => ({ text: `${req.text}>C` }));
      const toC = connect(c);
      const b = await serve(async (req: Item) => toC.callForResponse(UNARY, { text: `${req.text}>B` }));
      const toB = connect(b);
      const tracer = recording.tracerProvider.getTracer('test');
      const reply = await tracer.startActiveSpan('app', async (root) => {
        try {
          return await toB.callForResponse(UNARY, { text: 'A' });
        } finally {
          root.end();
        }
      });
      assert.equal((reply as Item).text, 'A>B>C');
      const spans = await recording.spans(5);
      assert.equal(spans.length, 5);
      assert.equal(new Set(spans.map((s) => s.spanContext().traceId)).size, 1, 'one trace id');
      const root = spans.find((s) => s.name === 'app')!;
      const [clientAB, clientBC] = byKind(spans, SpanKind.CLIENT).sort((x, y) => (x.parentSpanContext?.spanId === root.spanContext().spanId ? -1 : y.parentSpanContext?.spanId === root.spanContext().spanId ? 1 : 0));
      const serverOf = (client: ReadableSpan): ReadableSpan => byKind(spans, SpanKind.SERVER).find((s) => s.parentSpanContext?.spanId === client.spanContext().spanId)!;
      assert.equal(clientAB!.parentSpanContext?.spanId, root.spanContext().spanId);
      assert.equal(clientBC!.parentSpanContext?.spanId, serverOf(clientAB!).spanContext().spanId);
      assert.ok(serverOf(clientBC!) !== undefined);
      assert.equal(trace.getActiveSpan(), undefined);
    } finally {
      for (const client of clients) await client.close({ force: true });
      for (const server of servers) await server.close({ force: true });
    }
  });
});
