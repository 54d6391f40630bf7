// OpenTelemetry RPC semantic conventions for gRPC spans: the span name, the rpc.* attributes, and which status
// codes make a span ERROR (server: the codes the conventions list; client: every code but OK).
import { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';

// semconv "gRPC status": on a server only these mean the server failed, the others are the caller's doing.
const SERVER_ERRORS: ReadonlySet<Status> = new Set([
  Status.UNKNOWN, Status.DEADLINE_EXCEEDED, Status.UNIMPLEMENTED, Status.INTERNAL, Status.UNAVAILABLE, Status.DATA_LOSS,
]);

/** `package.Service/Method`: the method's path without its leading slash. */
export function spanNameOf(method: MethodDescriptor): string {
  return method.path.slice(1);
}

/** rpc.system, rpc.service and rpc.method for a method. */
export function rpcAttributes(method: MethodDescriptor): Record<string, string> {
  const path = method.path;
  const slash = path.lastIndexOf('/');
  return { 'rpc.system': 'grpc', 'rpc.service': path.slice(1, slash), 'rpc.method': path.slice(slash + 1) };
}

export function isServerError(code: Status): boolean {
  return SERVER_ERRORS.has(code);
}

export function isClientError(code: Status): boolean {
  return code !== Status.OK;
}
