// A few official cases over TLS in each direction with the reference (and ours against ours): the servers use the
// test certificate, the clients trust the test CA and check the name foo.test.google.fr, as the official suite's
// --use_test_ca and --server_host_override do. The compression-flag cases need the plaintext wire tap.
import { CLIENT_CASES } from './client-cases.js';
import type { InteropCase } from './case-runner.js';
import { describeDirection } from './direction.js';
import { GRPC_JS_CASES } from './grpc-js-cases.js';
import { connectGrpcJsClient } from './grpc-js-client.js';
import { startGrpcJsInteropServer } from './grpc-js-server.js';
import { connectOurClient, DEFAULT_SOAK } from './our-client.js';
import { startNestInteropServer } from './test-service.controller.js';
import { grpcJsChannelCredentials, OVERRIDE_HOST, serverTls, TEST_CA } from '../fixtures/tls.js';

const TLS_CASES = ['empty_unary', 'large_unary', 'client_streaming', 'server_streaming', 'ping_pong', 'custom_metadata', 'status_code_and_message'];

function pick<Env>(cases: Readonly<Record<string, InteropCase<Env>>>): Record<string, InteropCase<Env>> {
  return Object.fromEntries(TLS_CASES.map((name) => [name, cases[name]!]));
}

const ourTls = { ca: TEST_CA, servername: OVERRIDE_HOST };
const grpcJsTls = { credentials: grpcJsChannelCredentials('test-ca'), serverHostOverride: OVERRIDE_HOST };

describeDirection({
  client: 'ours',
  server: 'grpc-js',
  tls: true,
  startServer: () => startGrpcJsInteropServer(0, 'tls'),
  connect: (host, port) => connectOurClient(host, port, DEFAULT_SOAK, ourTls),
  cases: pick(CLIENT_CASES),
  limitations: {},
});

describeDirection({
  client: 'grpc-js',
  server: 'ours',
  tls: true,
  startServer: () => startNestInteropServer('127.0.0.1', 0, serverTls()),
  connect: (host, port) => connectGrpcJsClient(host, port, DEFAULT_SOAK, grpcJsTls),
  cases: pick(GRPC_JS_CASES),
  limitations: {},
});

describeDirection({
  client: 'ours',
  server: 'ours',
  tls: true,
  startServer: () => startNestInteropServer('127.0.0.1', 0, serverTls()),
  connect: (host, port) => connectOurClient(host, port, DEFAULT_SOAK, ourTls),
  cases: pick(CLIENT_CASES),
  limitations: {},
});
