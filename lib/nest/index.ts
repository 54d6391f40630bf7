// The NestJS layer's public API (import from 'nestjs-grpc-transport/nest'): named re-exports only.
export { GrpcTransportStrategy } from './server/grpc-transport.strategy.js';
export type { GrpcTransportOptions, GrpcTransportEvents } from './server/grpc-transport.strategy.js';
export { createGrpcTransport } from './grpc-transport.js';
export type { GrpcTransportConfig, SharedGrpcOptions } from './grpc-transport.js';
export { GrpcHandler, GRPC_TRANSPORT } from './grpc.decorators.js';
export type { GrpcHandlerPattern } from './grpc.decorators.js';
export { GrpcExceptionFilter, GrpcErrorMapper } from './grpc-exception.filter.js';
export { statusFromHttpStatus } from './http-status.js';
export { PROTO_LOADER_DEFAULTS } from './loader-options.js';

export { GrpcClientProxy } from './client/grpc-client.proxy.js';
export type { GrpcClientProxyOptions } from './client/grpc-client.proxy.js';
export { GrpcClientModule, InjectGrpcClient } from './client/grpc-client.module.js';
export type { GrpcClientRegistration, GrpcClientAsyncRegistration } from './client/grpc-client.module.js';
export type { GrpcPattern } from './client/grpc-pattern.js';
export type { ProxyMethod, ProxyService, ProxyMetadata, ProxyCallOptions } from './client/proxy-service.js';
export { GrpcServiceError } from './client/service-error.js';

export { GrpcHealthService } from './health/grpc-health.service.js';
export { GrpcHealthModule } from './health/grpc-health.module.js';
export { GrpcHealth } from '../index.js';
export type { ServingStatus } from '../index.js';

export { GrpcObservabilityModule, GRPC_OBSERVABILITY_OPTIONS } from './observability/grpc-observability.module.js';
export type { GrpcObservabilityOptions } from './observability/observability-defaults.js';
export type { TelemetryOption, TelemetryOptions, AccessLogEntry, AccessLogger, AccessLogOption } from '../index.js';

export { GrpcRequestContextService } from './context/request-context.service.js';
export { GrpcRequestContextInterceptor, REQUEST_CONTEXT_OPTIONS } from './context/request-context.interceptor.js';
export { GrpcRequestContextModule } from './context/request-context.module.js';
export type { RequestContextModuleOptions } from './context/request-context.module.js';
// The framework-free context, kept importable from here as before it moved to the main entry.
export {
  GrpcRequestContext, CALL_ID_STACK_KEY, CONTEXT_DATA_PREFIX, DEFAULT_FORWARDED_KEYS, DEFAULT_SECRET_KEYS,
} from '../index.js';
export type { RequestContextOptions, ServedCallLifetime } from '../index.js';

// What Nest handlers and callers meet most, so one import serves a Nest app.
export { GrpcError, Metadata, Status } from '../index.js';
export { registerErrorHandler, packDetail, unpackDetails } from '../index.js';
export type { CallContext, CallOptions, MetadataInit, LoadOptions } from '../index.js';
