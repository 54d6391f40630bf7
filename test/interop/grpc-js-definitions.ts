// The grpc.testing services as @grpc/proto-loader and @grpc/grpc-js load them, for the grpc-js
// interop server and client; same protos and message shape options as our side.
import grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS, TEST_PROTO } from './interop-messages.js';

const definition = protoLoader.loadSync(TEST_PROTO, LOADER_OPTIONS);
const testing = (grpc.loadPackageDefinition(definition)['grpc'] as grpc.GrpcObject)['testing'] as grpc.GrpcObject;

/** Client constructors (and, through `.service`, the service definitions) of grpc.testing. */
export const grpcJsTesting = {
  TestService: testing['TestService'] as grpc.ServiceClientConstructor,
  UnimplementedService: testing['UnimplementedService'] as grpc.ServiceClientConstructor,
};
