// The NestJS layer's public API (import from 'nestjs-grpc-transport/nest'): named re-exports only.
export { GrpcTransportStrategy } from './server-grpc.js';
export type { GrpcTransportOptions, GrpcTransportEvents } from './server-grpc.js';
export { GrpcHandler, GRPC_TRANSPORT } from './grpc.decorators.js';
export type { GrpcHandlerPattern } from './grpc.decorators.js';
export { GrpcExceptionFilter, GrpcErrorMapper } from './grpc-exception.filter.js';
export { statusFromHttpStatus } from './http-status.js';
export { PROTO_LOADER_DEFAULTS } from './loader-options.js';

export { GrpcClientProxy } from './client-grpc.js';
export type { GrpcClientProxyOptions } from './client-grpc.js';
export { GrpcClientModule, InjectGrpcClient } from './grpc-client.module.js';
export type { GrpcClientRegistration, GrpcClientAsyncRegistration } from './grpc-client.module.js';
export type { GrpcPattern } from './client-pattern.js';
export type { ProxyMethod, ProxyService, ProxyMetadata } from './client-service.js';

export { GrpcRequestContext } from './context/request-context.js';
export type { ServedCallLifetime } from './context/request-context.js';
export { GrpcRequestContextService } from './context/request-context.service.js';
export { GrpcRequestContextInterceptor, REQUEST_CONTEXT_OPTIONS } from './context/request-context.interceptor.js';
export { GrpcRequestContextModule } from './context/request-context.module.js';
export type { RequestContextModuleOptions } from './context/request-context.module.js';
export {
  CALL_ID_STACK_KEY, CONTEXT_DATA_PREFIX, DEFAULT_FORWARDED_KEYS, DEFAULT_SECRET_KEYS,
} from './context/propagation-policy.js';
export type { RequestContextOptions } from './context/propagation-policy.js';

// What Nest handlers and callers meet most, so one import serves a Nest app.
export { GrpcError, Metadata, Status } from '../index.js';
export { registerErrorHandler, packDetail, unpackDetails } from '../index.js';
export type { CallContext, CallOptions, MetadataInit, LoadOptions } from '../index.js';
