// Control: the grpc-js client against the grpc-js server. It shows the grpc-js cases are sound, and that the
// compression limitations are the grpc-js server's own, not an artefact of our side.
import { describeDirection } from './direction.js';
import { GRPC_JS_CASES } from './grpc-js-cases.js';
import { connectGrpcJsClient } from './grpc-js-client.js';
import { startGrpcJsInteropServer } from './grpc-js-server.js';
import { GRPC_JS_SERVER_LIMITATIONS } from './limitations.js';

describeDirection({
  client: 'grpc-js',
  server: 'grpc-js',
  startServer: () => startGrpcJsInteropServer(),
  connect: connectGrpcJsClient,
  cases: GRPC_JS_CASES,
  limitations: GRPC_JS_SERVER_LIMITATIONS,
});
