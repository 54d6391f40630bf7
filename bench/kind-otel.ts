// The `ours-otel` bench kinds: our server and client with the telemetry option on, recording into the SDK of
// otel-sdk.ts (grpc-js's instrumented server is kind-grpc-js-otel.ts).
import { connectOursClient, startOursServer } from './kind-ours.js';
import type { BenchClient, RunningServer } from './kinds.js';
import { registerOtelSdk } from './otel-sdk.js';

export function startOursOtelServer(): Promise<RunningServer> {
  registerOtelSdk();
  return startOursServer({ telemetry: true });
}

export function connectOursOtelClient(address: string, serviceConfig?: string): BenchClient {
  registerOtelSdk();
  return connectOursClient(address, serviceConfig, { telemetry: true });
}
