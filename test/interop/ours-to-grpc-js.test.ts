// Our standalone client against the grpc-js interop server (grpc-node's interop_server.js, in-process).
import { CLIENT_CASES } from './client-cases.js';
import { describeDirection } from './direction.js';
import { startGrpcJsInteropServer } from './grpc-js-server.js';
import { GRPC_JS_SERVER_LIMITATIONS } from './limitations.js';
import { connectOurClient } from './our-client.js';

describeDirection({
  client: 'ours',
  server: 'grpc-js',
  startServer: () => startGrpcJsInteropServer(),
  connect: connectOurClient,
  cases: CLIENT_CASES,
  limitations: GRPC_JS_SERVER_LIMITATIONS,
});
