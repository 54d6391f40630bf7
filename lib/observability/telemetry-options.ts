// The one option that turns OpenTelemetry traces and metrics on, for servers, clients and the Nest transport.
// Its types are our own: @opentelemetry/api is an optional peer, so no public type names it.

/** Traces and metrics through OpenTelemetry; requires the `@opentelemetry/api` package. */
export interface TelemetryOptions {
  /** Spans per call (and per attempt on clients); default true. */
  traces?: boolean;
  /** gRFC A66 metrics; default true. */
  metrics?: boolean;
  /** An OpenTelemetry TracerProvider; default the global one (trace.getTracerProvider()). */
  tracerProvider?: object;
  /** An OpenTelemetry MeterProvider; default the global one (metrics.getMeterProvider()). */
  meterProvider?: object;
  /** Adds a span event per message sent and received (semantic conventions' `message` events); default false. */
  messageEvents?: boolean;
}

/** `true` or an options object turns telemetry on; undefined or false leaves it off (and unloaded). */
export type TelemetryOption = boolean | TelemetryOptions;

/** The options in force, or undefined when telemetry is off. */
export function resolveTelemetry(option: TelemetryOption | undefined): Required<Pick<TelemetryOptions, 'traces' | 'metrics' | 'messageEvents'>> & TelemetryOptions | undefined {
  if (option === undefined || option === false) return undefined;
  const options = option === true ? {} : option;
  return { ...options, traces: options.traces ?? true, metrics: options.metrics ?? true, messageEvents: options.messageEvents ?? false };
}

/** The instrumentation scope our tracer and meter report. */
export const INSTRUMENTATION_SCOPE = 'nestjs-grpc-transport';
