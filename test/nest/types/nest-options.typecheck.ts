// Compile-time test, part of the tsc build (strict): options typed as Nest's own GrpcOptions['options'], as an
// app switching over has them, are accepted as they are by the strategy, the proxy and GrpcClientModule.
import type { ClientProviderOptions, GrpcOptions } from '@nestjs/microservices';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { GrpcClientModule } from '../../../lib/nest/client/grpc-client.module.js';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';

/** Never called: its body only has to compile. */
export function nestOptionsCompile(options: GrpcOptions['options'], shared: GrpcOptions): void {
  new GrpcTransportStrategy(options);
  new GrpcClientProxy(options);
  GrpcClientModule.register({ name: 'HERO', options });
  new GrpcTransportStrategy(shared.options);
  const client: ClientProviderOptions = { name: 'HERO', customClass: GrpcClientProxy, options: shared.options };
  ClientsModule.register([client, { name: 'BUILT_IN', transport: Transport.GRPC, options }]);
}
