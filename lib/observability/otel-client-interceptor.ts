// OpenTelemetry for outgoing calls, as one client interceptor: a CLIENT span per call, child of the active context,
// injected into the request metadata by the configured propagator; under a retry or hedging policy an attempt span
// per attempt under it (gRPC's OpenTelemetry tracing design), each attempt's context injected instead; A66 client metrics.
import type { Attributes, Context, MeterProvider, Span, TracerProvider } from '@opentelemetry/api';
import type { AttemptObserver, ClientCallResult, ClientInterceptor, OutgoingCall } from '../client/client-interceptor.js';
import { performance } from 'node:perf_hooks';
import type { StatusInfo } from '../protocol/trailers.js';
import { ClientMetrics } from './grpc-metrics.js';
import { loadOtelApi } from './load-otel.js';
import type { OtelApi } from './load-otel.js';
import { METADATA_SETTER } from './metadata-carrier.js';
import { isClientError, rpcAttributes, spanNameOf } from './rpc-attributes.js';
import { INSTRUMENTATION_SCOPE, resolveTelemetry } from './telemetry-options.js';
import type { TelemetryOption } from './telemetry-options.js';

interface TracedCall {
  readonly span: Span | undefined;
  readonly context: Context;
  readonly method: string;
}

/** The client interceptor of `option` for a client of `target`; undefined when telemetry is off (nothing loaded). */
export function createOtelClientInterceptor(option: TelemetryOption | undefined, target: string): ClientInterceptor | undefined {
  const options = resolveTelemetry(option);
  if (options === undefined) return undefined;
  const api = loadOtelApi();
  const tracer = options.traces
    ? ((options.tracerProvider as TracerProvider | undefined) ?? api.trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE)
    : undefined;
  const metrics = options.metrics
    ? new ClientMetrics(((options.meterProvider as MeterProvider | undefined) ?? api.metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE), target)
    : undefined;
  const server = serverOf(target);
  const calls = new WeakMap<OutgoingCall, TracedCall>();
  const messageEvents = options.messageEvents;
  return {
    onStart(call: OutgoingCall): void {
      const parent = api.context.active();
      const method = call.method.path.slice(1);
      let span: Span | undefined;
      let context = parent;
      if (tracer !== undefined) {
        span = tracer.startSpan(spanNameOf(call.method), { kind: api.SpanKind.CLIENT, attributes: { ...rpcAttributes(call.method), ...server } }, parent);
        context = api.trace.setSpan(parent, span);
        api.propagation.inject(context, call.metadata, METADATA_SETTER);
      }
      calls.set(call, { span, context, method });
    },
    onAttempt(call: OutgoingCall, attempt: number, retryable: boolean): AttemptObserver | undefined {
      const traced = calls.get(call);
      if (traced === undefined) return undefined;
      metrics?.attemptStarted(traced.method);
      let span = traced.span;
      if (retryable && tracer !== undefined) {
        const attributes: Attributes = { ...rpcAttributes(call.method), ...server, 'grpc.previous-rpc-attempts': attempt };
        span = tracer.startSpan(`Attempt.${traced.method}`, { kind: api.SpanKind.INTERNAL, attributes }, traced.context);
        // The server's span is the child of the attempt that reached it.
        api.propagation.inject(api.trace.setSpan(traced.context, span), call.metadata, METADATA_SETTER);
      }
      return new OtelAttempt(api, retryable ? span : undefined, messageEvents ? span : undefined, metrics, traced.method);
    },
    onEnd(call: OutgoingCall, result: ClientCallResult): void {
      const traced = calls.get(call);
      if (traced === undefined) return;
      metrics?.callEnded(traced.method, result.status.code, result.durationMs / 1000);
      endSpan(api, traced.span, result.status);
    },
  };
}

class OtelAttempt implements AttemptObserver {
  #start = performance.now();
  #sent = 0;
  #received = 0;
  #messagesSent = 0;
  #messagesReceived = 0;

  constructor(
    private readonly api: OtelApi,
    /** The attempt's own span, ended with it; undefined when the attempt is the call. */
    private readonly span: Span | undefined,
    /** Where message events go (the attempt's span, or the call's); undefined when they are off. */
    private readonly events: Span | undefined,
    private readonly metrics: ClientMetrics | undefined,
    private readonly method: string,
  ) {}

  onSendMessage(bytes: number): void {
    this.#sent += bytes;
    this.#messagesSent++;
    this.events?.addEvent('message', { 'message.type': 'SENT', 'message.id': this.#messagesSent, 'message.compressed_size': bytes });
  }

  onReceiveMessage(bytes: number): void {
    this.#received += bytes;
    this.#messagesReceived++;
    this.events?.addEvent('message', { 'message.type': 'RECEIVED', 'message.id': this.#messagesReceived, 'message.compressed_size': bytes });
  }

  onEnd(status: StatusInfo): void {
    this.metrics?.attemptEnded(this.method, status.code, (performance.now() - this.#start) / 1000, this.#sent, this.#received);
    endSpan(this.api, this.span, status);
  }
}

function endSpan(api: OtelApi, span: Span | undefined, status: StatusInfo): void {
  if (span === undefined) return;
  span.setAttribute('rpc.grpc.status_code', status.code);
  if (isClientError(status.code)) span.setStatus({ code: api.SpanStatusCode.ERROR, message: status.message });
  span.end();
}

/** server.address and server.port from a target: `host:port`, `dns:///host:port`, `ipv4:a:p,b:p`, `unix:path`. */
function serverOf(target: string): Attributes {
  const withoutScheme = target.replace(/^(?:dns:(?:\/\/[^/]*\/)?|ipv4:|ipv6:)/, '');
  if (/^unix:/.test(target)) return { 'server.address': target.slice(5) };
  const first = withoutScheme.split(',')[0]!;
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(first);
  if (match === null) return { 'server.address': first };
  const address = match[1] ?? match[2]!;
  return match[3] === undefined ? { 'server.address': address } : { 'server.address': address, 'server.port': Number(match[3]) };
}
