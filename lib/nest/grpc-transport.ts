// One object for both sides of a Nest app, as Nest's gRPC sample shares one `{ transport: Transport.GRPC, options }`
// between connectMicroservice and ClientsModule.register: it carries a strategy for the one and a customClass for the other.
import { GrpcClientProxy } from './client/grpc-client.proxy.js';
import type { GrpcClientProxyOptions } from './client/grpc-client.proxy.js';
import { GrpcTransportStrategy } from './server/grpc-transport.strategy.js';
import type { GrpcTransportOptions } from './server/grpc-transport.strategy.js';

/** Options both the server and the client read: url, package, protoPath, loader, message limits... */
export type SharedGrpcOptions = GrpcTransportOptions & GrpcClientProxyOptions;

/**
 * Serves `connectMicroservice(config)` / `createMicroservice(module, config)` through `strategy`, and
 * `ClientsModule.register([{ name, ...config }])` through `customClass` with `options`.
 */
export interface GrpcTransportConfig {
  readonly strategy: GrpcTransportStrategy;
  readonly customClass: typeof GrpcClientProxy;
  readonly options: SharedGrpcOptions;
}

/**
 * The drop-in for a shared `{ transport: Transport.GRPC, options }`. The strategy serves one app at a time: apps
 * created one after another (an e2e suite's beforeEach) may share the object, apps running at once may not.
 */
export function createGrpcTransport(options: SharedGrpcOptions): GrpcTransportConfig {
  return { strategy: new GrpcTransportStrategy(options), customClass: GrpcClientProxy, options };
}
