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

export { GrpcRequestContext } from './context/request-context.js';
export type { ServedCall, ServedCallLifetime } from './context/request-context.js';
export {
  CALL_ID_STACK_KEY, CONTEXT_DATA_PREFIX, DEFAULT_FORWARDED_KEYS, DEFAULT_SECRET_KEYS,
} from './context/propagation-policy.js';
export type { RequestContextOptions } from './context/propagation-policy.js';

export { GrpcServer } from './server/grpc-server.js';
export type { ServerOptions } from './server/grpc-server.js';
export type { WebOptions } from './server/web/web-front.js';
export type { CorsOptions } from './server/web/cors.js';
export type { CallContext, ServerHandler } from './server/call-context.js';
export { registerErrorHandler } from './server/error-registry.js';
export { GrpcHealth } from './services/health/grpc-health.js';
export type { ServingStatus, WatchedStatus } from './services/health/grpc-health.js';
export type { BuiltInServiceOptions } from './services/built-in-services.js';
export type { ErrorMapping, ErrorClass, ErrorDetailOptions } from './server/error-registry.js';

export { GrpcClient } from './client/grpc-client.js';
export type { ClientOptions } from './client/grpc-client.js';
export type { CallOptions } from './client/call-options.js';
export { sendUncompressed } from './client/request-writer.js';
export type { RequestStream } from './client/request-writer.js';
export type { ResponseStream } from './client/response-stream.js';
export type { ServiceStub, StreamingResponseStubMethod, StubMethod, UnaryResponseStubMethod } from './client/stub.js';
export type { ClientInterceptor, OutgoingCall, ClientCallResult, PropagateOptions } from './client/client-interceptor.js';
