// The calls the side-by-side comparison makes on both stacks, and the part of each span it compares.
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

export interface ScenarioClient {
  unary(text: string): Promise<void>;
}

/** One OK unary call, then one that ends NOT_FOUND. */
export async function runScenario(client: ScenarioClient): Promise<void> {
  await client.unary('hello');
  await client.unary('missing');
}

export interface SpanSummary {
  name: string;
  kind: number;
  statusCode: number;
  grpcStatus: unknown;
  attributeKeys: string[];
}

export function summarize(spans: readonly ReadableSpan[]): SpanSummary[] {
  return spans.map((span) => ({
    name: span.name,
    kind: span.kind,
    statusCode: span.status.code,
    grpcStatus: span.attributes['rpc.grpc.status_code'],
    attributeKeys: Object.keys(span.attributes).sort(),
  }));
}
