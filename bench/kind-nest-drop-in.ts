// The nest-builtin kind's controller (@GrpcMethod, @GrpcStreamMethod, Observable answers) switched to our strategy,
// as an app moving over would: what Nest's own idiom costs through our transport, beside the @GrpcHandler kind.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { GrpcTransportStrategy } from '../lib/nest/server/grpc-transport.strategy.js';
import { freePort, LOOPBACK, PROTO_LOADER_OPTIONS, PROTO_PATH } from './bench-proto.js';
import { BuiltinBenchController } from './kind-nest-builtin.js';
import type { RunningServer } from './kinds.js';

export async function startNestDropInServer(): Promise<RunningServer> {
  const port = await freePort();
  const strategy = new GrpcTransportStrategy({ url: `${LOOPBACK}:${port}`, package: 'bench', protoPath: PROTO_PATH, loader: PROTO_LOADER_OPTIONS });
  const app = await NestFactory.createMicroservice({ controllers: [BuiltinBenchController] }, { strategy, logger: false });
  await app.listen();
  return { port, stop: () => app.close() };
}
