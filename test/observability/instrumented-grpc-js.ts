// Child process of grpc-js-side-by-side.test.ts: @opentelemetry/instrumentation-grpc patches grpc-js through a
// require hook, so it is enabled before grpc-js is first required. Runs the scenario's calls on grpc-js (server and
// client) and prints the finished spans as JSON on stdout.
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { fileURLToPath } from 'node:url';
import { runScenario, summarize } from './side-by-side-scenario.js';
import type { ScenarioClient } from './side-by-side-scenario.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
const instrumentation = new GrpcInstrumentation();
instrumentation.setTracerProvider(provider);
instrumentation.enable();

const PROTO = fileURLToPath(new URL('../../../test/server/protos/server.proto', import.meta.url));
const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');

const definition = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
const Shapes = (grpc.loadPackageDefinition(definition)['servertest'] as import('@grpc/grpc-js').GrpcObject)['Shapes'] as import('@grpc/grpc-js').ServiceClientConstructor;

const server = new grpc.Server();
server.addService(Shapes.service, {
  Unary: (call: import('@grpc/grpc-js').ServerUnaryCall<{ text: string }, unknown>, callback: import('@grpc/grpc-js').sendUnaryData<unknown>) => {
    if (call.request.text === 'missing') callback({ code: grpc.status.NOT_FOUND, details: 'no such item' });
    else callback(null, { text: call.request.text });
  },
});
const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
const client = new Shapes(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
const unary = (text: string): Promise<void> => new Promise((resolve) => {
  (client as unknown as Record<string, (req: object, cb: () => void) => void>)['Unary']!({ text }, () => resolve());
});
const scenario: ScenarioClient = { unary };
await runScenario(scenario);
await new Promise((r) => setTimeout(r, 100));
process.stdout.write(JSON.stringify(summarize(exporter.getFinishedSpans())));
client.close();
server.forceShutdown();
