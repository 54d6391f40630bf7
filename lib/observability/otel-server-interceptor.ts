// OpenTelemetry for served calls, as one server interceptor: a SERVER span per call (parent read from the request
// metadata by the configured propagator, attributes and status per the RPC semantic conventions, the handler run
// with it active), and gRFC A66's server metrics.
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import type { IncomingCall, ServedCallEnd, ServerCallObserver, ServerInterceptor } from '../server/server-interceptor.js';
import { Status } from '../protocol/status.js';
import { ServerMetrics } from './grpc-metrics.js';
import { loadOtelApi } from './load-otel.js';
import type { OtelApi } from './load-otel.js';
import { METADATA_GETTER } from './metadata-carrier.js';
import { isServerError, rpcAttributes, spanNameOf } from './rpc-attributes.js';
import { INSTRUMENTATION_SCOPE, resolveTelemetry } from './telemetry-options.js';
import type { TelemetryOption } from './telemetry-options.js';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/** The server interceptor of `option`, or undefined when telemetry is off (then @opentelemetry/api is not loaded). */
export function createOtelServerInterceptor(option: TelemetryOption | undefined): ServerInterceptor | undefined {
  const options = resolveTelemetry(option);
  if (options === undefined) return undefined;
  const api = loadOtelApi();
  const tracer = options.traces
    ? ((options.tracerProvider as TracerProvider | undefined) ?? api.trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE)
    : undefined;
  const metrics = options.metrics
    ? new ServerMetrics(((options.meterProvider as MeterProvider | undefined) ?? api.metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE))
    : undefined;
  const messageEvents = options.messageEvents;
  return {
    onStart(call: IncomingCall): ServerCallObserver {
      const method = call.method.path.slice(1);
      metrics?.started(method);
      const span = tracer === undefined ? undefined : startServerSpan(api, tracer, call);
      return new OtelServerCall(api, span, metrics, method, messageEvents);
    },
    // gRFC A66: methods the server does not serve are labelled 'other', so a scanner cannot grow the label set.
    onUnimplemented(): void {
      metrics?.started(UNREGISTERED);
      metrics?.ended(UNREGISTERED, Status.UNIMPLEMENTED, 0, 0, 0);
    },
  };
}

const UNREGISTERED = 'other';

function startServerSpan(api: OtelApi, tracer: Tracer, call: IncomingCall): Span {
  const parent = api.propagation.extract(api.ROOT_CONTEXT, call.metadata, METADATA_GETTER);
  const attributes: Attributes = {
    ...rpcAttributes(call.method),
    'server.address': call.localAddress,
    'server.port': call.localPort,
    'network.peer.address': call.peerAddress,
    'network.peer.port': call.peerPort,
  };
  return tracer.startSpan(spanNameOf(call.method), { kind: api.SpanKind.SERVER, attributes }, parent);
}

class OtelServerCall implements ServerCallObserver {
  #received = 0;
  #sent = 0;

  constructor(
    private readonly api: OtelApi,
    private readonly span: Span | undefined,
    private readonly metrics: ServerMetrics | undefined,
    private readonly method: string,
    private readonly messageEvents: boolean,
  ) {}

  runHandler<T>(handler: () => T): T {
    const span = this.span;
    if (span === undefined) return handler();
    const api = this.api;
    return api.context.with(api.trace.setSpan(api.context.active(), span), handler);
  }

  onReceiveMessage(_message: unknown, bytes: number): void {
    if (this.messageEvents) this.span?.addEvent('message', { 'message.type': 'RECEIVED', 'message.id': ++this.#received, 'message.compressed_size': bytes });
  }

  onSendMessage(_message: unknown, bytes: number): void {
    if (this.messageEvents) this.span?.addEvent('message', { 'message.type': 'SENT', 'message.id': ++this.#sent, 'message.compressed_size': bytes });
  }

  onEnd(end: ServedCallEnd): void {
    this.metrics?.ended(this.method, end.code, end.durationMs / 1000, end.bytesSent, end.bytesReceived);
    const span = this.span;
    if (span === undefined) return;
    span.setAttribute('rpc.grpc.status_code', end.code);
    const cause = end.error?.cause;
    // The semantic conventions' exception event: what a handler threw, which became UNKNOWN.
    if (end.code === Status.UNKNOWN && cause instanceof Error) span.recordException(cause);
    if (isServerError(end.code)) span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: end.message });
    span.end();
  }
}
