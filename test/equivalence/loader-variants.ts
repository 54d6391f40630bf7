// How a matrix's peers load example.proto: grpc.io's Node options (the default matrix) or Nest's default, where
// `loader` is unset and proto-loader's own defaults apply. Expected messages are what grpc-js reads with the same
// options, so a scenario states the reference's objects instead of writing a shape per variant.
import type grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import type { LoadOptions } from '../../lib/schema/load-protos.js';
import { PROTO_PATH, SERVICE_NAME } from './example-service.js';
import type { ReplyInit, RequestInit } from './example-service.js';

export interface LoaderVariant {
  readonly name: string;
  /** What grpc-js peers pass to proto-loader's loadSync (undefined: nothing, as Nest's grpc-helpers does unset). */
  readonly grpcJs: protoLoader.Options | undefined;
  /** The `loader` option the Nest server and proxy get (undefined: not set). */
  readonly nest: LoadOptions | undefined;
  /** The server and client kinds that take this variant; undefined for all (the standalone kinds have no loader). */
  readonly kinds: readonly string[] | undefined;
}

export const GRPC_IO_LOADER: LoaderVariant = {
  name: 'grpc.io',
  grpcJs: { keepCase: true, longs: String, enums: String, defaults: true },
  nest: { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
  kinds: undefined,
};

export const NEST_DEFAULT_LOADER: LoaderVariant = {
  name: 'nest-default',
  grpcJs: undefined,
  nest: undefined,
  kinds: ['grpc-js', 'nest'],
};

const services = new Map<LoaderVariant, grpc.ServiceDefinition>();

/** The example service as proto-loader defines it for this variant. */
export function grpcJsService(variant: LoaderVariant): grpc.ServiceDefinition {
  let service = services.get(variant);
  if (service === undefined) {
    service = protoLoader.loadSync(PROTO_PATH, variant.grpcJs)[SERVICE_NAME] as grpc.ServiceDefinition;
    services.set(variant, service);
  }
  return service;
}

/** The request a grpc-js server with this variant's options hands its handler when a grpc-js client sends `init`. */
export function expectedRequest(variant: LoaderVariant, init: RequestInit): unknown {
  const method = grpcJsService(variant)['unary_unary']!;
  return method.requestDeserialize(method.requestSerialize(init));
}

/** The reply a grpc-js client with this variant's options reads when a grpc-js handler returns `init`. */
export function expectedReply(variant: LoaderVariant, init: ReplyInit): unknown {
  const method = grpcJsService(variant)['unary_unary']!;
  return method.responseDeserialize(method.responseSerialize(init));
}
