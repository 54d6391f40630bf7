// The grpc-js interop client (grpc-node's interop_client.js, in-process) against our TestService under Nest.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CASE_NAMES } from './client-cases.js';
import { describeDirection } from './direction.js';
import { GRPC_JS_CASES } from './grpc-js-cases.js';
import { connectGrpcJsClient } from './grpc-js-client.js';
import { GRPC_JS_CLIENT_LIMITATIONS } from './limitations.js';
import { startNestInteropServer } from './test-service.controller.js';

it('the grpc-js client runs the same cases as ours, in the same order', () => {
  assert.deepEqual(Object.keys(GRPC_JS_CASES), CASE_NAMES);
});

describeDirection({
  client: 'grpc-js',
  server: 'ours',
  startServer: () => startNestInteropServer('127.0.0.1', 0),
  connect: connectGrpcJsClient,
  cases: GRPC_JS_CASES,
  limitations: GRPC_JS_CLIENT_LIMITATIONS,
});
