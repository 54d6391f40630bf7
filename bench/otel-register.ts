// Preload for measuring grpc-js clients under @opentelemetry/instrumentation-grpc, which patches grpc-js when it is
// first required: `node --import ./dist/bench/otel-register.js dist/bench/run.js --clients=grpc-js ...`.
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { registerOtelSdk } from './otel-sdk.js';

registerOtelSdk();
new GrpcInstrumentation().enable();
