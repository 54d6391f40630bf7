// The public API: named re-exports only.
export { Status, statusName, isStatus, statusFromHttp } from './protocol/status.js';
export { GrpcError, toGrpcError } from './protocol/grpc-error.js';
export type { GrpcErrorOptions } from './protocol/grpc-error.js';
export {
  packDetail, unpackDetail, unpackDetails, detailTypeOf, detailTypeUrl, encodeRpcStatus, decodeRpcStatus,
} from './protocol/status-details.js';
export type {
  ProtoAny, RpcStatus, StandardDetails, StandardDetailName, StandardDetail, DetailInit, Duration, ErrorInfo, RetryInfo,
  DebugInfo, QuotaFailure, QuotaViolation, PreconditionFailure, PreconditionViolation, BadRequest, FieldViolation,
  RequestInfo, ResourceInfo, Help, HelpLink, LocalizedMessage,
} from './protocol/status-details.js';
export { STATUS_PROTO, ERROR_DETAILS_PROTO } from './protocol/google-rpc-protos.js';
export { Metadata } from './protocol/metadata.js';
export type { MetadataInit, MetadataValue } from './protocol/metadata.js';
export type { StatusInfo } from './protocol/trailers.js';
export { SUPPORTED_ENCODINGS } from './protocol/compression.js';
export type { EncodingName } from './protocol/compression.js';

export { loadProtos } from './schema/load-protos.js';
export type { LoadOptions } from './schema/load-protos.js';
export type { MethodDescriptor, ServiceDescriptor, Schema } from './schema/descriptors.js';
export type {
  GrpcJsMethodDefinition, GrpcJsServiceDefinition, PackageDefinition, ProtobufTypeDefinition,
} from './schema/grpc-js-definition.js';

export { GrpcRequestContext } from './context/request-context.js';
export type { ServedCall, ServedCallLifetime } from './context/request-context.js';
export {
  CALL_ID_STACK_KEY, CONTEXT_DATA_PREFIX, DEFAULT_FORWARDED_KEYS, DEFAULT_SECRET_KEYS,
} from './context/propagation-policy.js';
export type { RequestContextOptions } from './context/propagation-policy.js';

export { GrpcServer } from './server/grpc-server.js';
export type { CloseOptions, ServerOptions } from './server/grpc-server.js';
export type { ConnectionPolicyOptions } from './server/connection-policy.js';
export { readGrpcJsServerOptions } from './server/grpc-js-options.js';
export type { GrpcJsConnectionOptions } from './server/grpc-js-options.js';
export type { WebOptions } from './server/web/web-front.js';
export type { CorsOptions } from './server/web/cors.js';
export type { CallContext, ServerHandler } from './server/call-context.js';
export type { GrpcJsImplementation } from './server/grpc-js-service.js';
export type { ServerRequestStream } from './server/request-stream.js';
export type { IncomingCall, ServedCallEnd, ServerCallObserver, ServerInterceptor } from './server/server-interceptor.js';
export { registerErrorHandler } from './server/error-registry.js';
export { GrpcHealth } from './services/health/grpc-health.js';
export type { ServingStatus, WatchedStatus } from './services/health/grpc-health.js';
export type { BuiltInServiceOptions } from './services/built-in-services.js';
export type { ErrorMapping, ErrorClass, ErrorDetailOptions } from './server/error-registry.js';

export { GrpcClient } from './client/grpc-client.js';
export { ConnectivityState } from './client/balancer/connectivity-state.js';
export type { LoadBalancingPolicyName } from './client/balancer/policy.js';
export { registerResolver } from './client/resolver/resolver.js';
export type { Resolver, ResolverFactory, ResolverListener, ResolverOptions } from './client/resolver/resolver.js';
export type { Address } from './client/resolver/address.js';
export type { ParsedTarget } from './client/resolver/target.js';
export type { ClientOptions } from './client/grpc-client.js';
export type { ClientKeepaliveOptions } from './client/session-keepalive.js';
export type { CallOptions } from './client/call-options.js';
export { sendUncompressed } from './client/request-writer.js';
export type { RequestStream } from './client/request-writer.js';
export type { ResponseStream } from './client/response-stream.js';
export type { ServiceStub, StreamingResponseStubMethod, StubMethod, UnaryResponseStubMethod } from './client/stub.js';
export type { AttemptObserver, ClientInterceptor, OutgoingCall, ClientCallResult, PropagateOptions } from './client/client-interceptor.js';
export type { TelemetryOption, TelemetryOptions } from './observability/telemetry-options.js';
export type { AccessLogEntry, AccessLogger, AccessLogOption } from './observability/access-log.js';
