// The `grpc-js-otel` server kind: grpc-js's Server under @opentelemetry/instrumentation-grpc, recording into the
// SDK of otel-sdk.ts. Runs in its own process: the instrumentation hooks require, so it is enabled before grpc-js loads.
import { createRequire } from 'node:module';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import type { RunningServer } from './kinds.js';
import { registerOtelSdk } from './otel-sdk.js';

export async function startGrpcJsOtelServer(): Promise<RunningServer> {
  registerOtelSdk();
  new GrpcInstrumentation().enable();
  // Loaded through require so the hook patches it; the ESM import in kind-grpc-js.ts then reuses this module.
  createRequire(import.meta.url)('@grpc/grpc-js');
  return (await import('./kind-grpc-js.js')).startGrpcJsServer();
}
