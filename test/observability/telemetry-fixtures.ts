// An in-memory OpenTelemetry setup per test: the SDK's span exporter and a pull metric reader, with the global
// async-hooks context manager and W3C propagator the applications under test would register.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { TelemetryOptions } from '../../lib/observability/telemetry-options.js';

let registered = false;

/** The global context manager and propagator, once per process. */
export function registerGlobals(): void {
  if (registered) return;
  registered = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

class PullReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Providers to pass as TelemetryOptions, and what they recorded. */
export class Recording {
  readonly exporter = new InMemorySpanExporter();
  readonly tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: this.exporter })] });
  readonly reader = new PullReader();
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });

  constructor() {
    registerGlobals();
  }

  options(extra: TelemetryOptions = {}): TelemetryOptions {
    return { tracerProvider: this.tracerProvider, meterProvider: this.meterProvider, ...extra };
  }

  /** Finished spans; waits until `count` ended (server spans end when the status is sent, maybe after the client saw it). */
  async spans(count: number): Promise<ReadableSpan[]> {
    for (let i = 0; i < 400 && this.exporter.getFinishedSpans().length < count; i++) await new Promise((r) => setTimeout(r, 5));
    return this.exporter.getFinishedSpans();
  }

  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.reader.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    return byName;
  }
}

/** A histogram's points as label JSON -> { count, sum }. */
export function histogramPoints(metric: MetricData | undefined): Map<string, { count: number; sum: number }> {
  const points = new Map<string, { count: number; sum: number }>();
  for (const point of (metric?.dataPoints ?? []) as DataPoint<Histogram>[]) {
    points.set(JSON.stringify(sortedAttributes(point.attributes)), { count: point.value.count, sum: point.value.sum ?? 0 });
  }
  return points;
}

/** A counter's points as label JSON -> value. */
export function counterPoints(metric: MetricData | undefined): Map<string, number> {
  const points = new Map<string, number>();
  for (const point of (metric?.dataPoints ?? []) as DataPoint<number>[]) points.set(JSON.stringify(sortedAttributes(point.attributes)), point.value);
  return points;
}

export function labels(attributes: Record<string, string>): string {
  return JSON.stringify(sortedAttributes(attributes));
}

function sortedAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b)));
}
