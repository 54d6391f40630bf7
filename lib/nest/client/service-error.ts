// The error a getService() method fails with: grpc-js's ServiceError fields with grpc-js's values, as code
// written for Nest's ClientGrpc reads them, and the GrpcError behind it under names grpc-js does not use.
import { GrpcError } from '../../protocol/grpc-error.js';
import { GRPC_STATUS_DETAILS_HEADER } from '../../protocol/headers.js';
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
    this.metadata = withStatusDetails(error);
    this.grpcError = error;
  }

  /** The decoded google.rpc.Status of `grpcError`. */
  get rpcStatus(): RpcStatus | undefined {
    return this.grpcError.status;
  }
}

/** grpc-js leaves grpc-status-details-bin in the error's metadata, where code written for it looks. */
function withStatusDetails(error: GrpcError): Metadata {
  if (error.details === undefined || error.metadata.get(GRPC_STATUS_DETAILS_HEADER).length > 0) return error.metadata;
  const metadata = error.metadata.clone();
  metadata.set(GRPC_STATUS_DETAILS_HEADER, error.details);
  return metadata;
}

/** A failure of a call as a ClientGrpc caller sees it; anything that is not a call status is passed on as is. */
export function toServiceError(err: unknown): unknown {
  if (err instanceof GrpcServiceError || !(err instanceof GrpcError)) return err;
  return new GrpcServiceError(err);
}
