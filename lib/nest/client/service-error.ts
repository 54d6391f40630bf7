// The error a getService() method fails with: grpc-js's ServiceError fields with grpc-js's values, as code
// written for Nest's ClientGrpc reads them, and the GrpcError behind it under names grpc-js does not use.
import { GrpcError } from '../../protocol/grpc-error.js';
import type { Metadata } from '../../protocol/metadata.js';
import type { Status } from '../../protocol/status.js';
import { statusName } from '../../protocol/status.js';
import type { RpcStatus } from '../../protocol/status-details.js';

/**
 * `code`, `details` (the status message), `metadata` (trailing) and `message` ('5 NOT_FOUND: text') as on a
 * grpc-js ServiceError; `grpcError` (also `cause`) is this library's GrpcError and `rpcStatus` its decoded
 * google.rpc.Status (grpc-status-details-bin), undefined without one.
 */
export class GrpcServiceError extends Error {
  readonly code: Status;
  readonly details: string;
  readonly metadata: Metadata;
  readonly grpcError: GrpcError;

  constructor(error: GrpcError) {
    super(`${error.code} ${statusName(error.code)}: ${error.message}`, { cause: error });
    this.code = error.code;
    this.details = error.message;
    this.metadata = error.metadata;
    this.grpcError = error;
  }

  /** The decoded google.rpc.Status of `grpcError`. */
  get rpcStatus(): RpcStatus | undefined {
    return this.grpcError.status;
  }
}

/** A failure of a call as a ClientGrpc caller sees it; anything that is not a call status is passed on as is. */
export function toServiceError(err: unknown): unknown {
  if (err instanceof GrpcServiceError || !(err instanceof GrpcError)) return err;
  return new GrpcServiceError(err);
}
