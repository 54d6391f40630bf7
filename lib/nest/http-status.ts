// HttpException -> gRPC status for HTTP-flavoured exceptions (ValidationPipe, NotFoundException) in gRPC handlers:
// google.rpc.Code's HTTP table, 409 as ALREADY_EXISTS (the table also lists ABORTED; Nest's ConflictException means
// the entity exists), and 408 DEADLINE_EXCEEDED for Nest's RequestTimeoutException (its timeout recipe throws it).
import type { HttpException } from '@nestjs/common';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';

const BY_HTTP_STATUS: ReadonlyMap<number, Status> = new Map([
  [400, Status.INVALID_ARGUMENT],
  [401, Status.UNAUTHENTICATED],
  [403, Status.PERMISSION_DENIED],
  [404, Status.NOT_FOUND],
  [408, Status.DEADLINE_EXCEEDED],
  [409, Status.ALREADY_EXISTS],
  [412, Status.FAILED_PRECONDITION],
  [416, Status.OUT_OF_RANGE],
  [429, Status.RESOURCE_EXHAUSTED],
  [499, Status.CANCELLED],
  [500, Status.INTERNAL],
  [501, Status.UNIMPLEMENTED],
  [503, Status.UNAVAILABLE],
  [504, Status.DEADLINE_EXCEEDED],
]);

/** The gRPC code for an HTTP status: the table above, other 4xx FAILED_PRECONDITION, other 5xx INTERNAL, else UNKNOWN. */
export function statusFromHttpStatus(httpStatus: number): Status {
  const mapped = BY_HTTP_STATUS.get(httpStatus);
  if (mapped !== undefined) return mapped;
  if (httpStatus >= 400 && httpStatus < 500) return Status.FAILED_PRECONDITION;
  if (httpStatus >= 500 && httpStatus < 600) return Status.INTERNAL;
  return Status.UNKNOWN;
}

/** A GrpcError carrying the exception's message; ValidationPipe's list of messages is joined with '; '. */
export function statusFromHttpException(exception: HttpException): GrpcError {
  const response = exception.getResponse();
  const detail = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  const message = Array.isArray(detail) ? detail.join('; ') : typeof detail === 'string' ? detail : exception.message;
  return new GrpcError(statusFromHttpStatus(exception.getStatus()), message, { cause: exception });
}
