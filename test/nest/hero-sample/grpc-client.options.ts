// Nest's sample/04-grpc grpc-client.options.ts, and the same after the README's switching recipe: the one
// declaration changed. A url is added (the sample's default is localhost:5000) so that test runs never collide.
import type { GrpcOptions } from '@nestjs/microservices';
import { Transport } from '@nestjs/microservices';
import { fileURLToPath } from 'node:url';
import { createGrpcTransport } from '../../../lib/nest/grpc-transport.js';

const protoPath = fileURLToPath(new URL('../../../../test/nest/hero-sample/hero.proto', import.meta.url));

/** The sample as written, but typed GrpcOptions: its ClientOptions no longer fits connectMicroservice under strict. */
export function builtInGrpcClientOptions(url: string) {
  const grpcClientOptions: GrpcOptions = {
    transport: Transport.GRPC,
    options: {
      url,
      package: 'hero',
      protoPath,
    },
  };
  return grpcClientOptions;
}

/** The sample switched: `{ transport: Transport.GRPC, options: {...} }` became `createGrpcTransport({...})`. */
export function switchedGrpcClientOptions(url: string) {
  const grpcClientOptions = createGrpcTransport({
    url,
    package: 'hero',
    protoPath,
  });
  return grpcClientOptions;
}
