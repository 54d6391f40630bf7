// Exceptions -> GrpcError for the transport to send: a Nest exception filter, registered with
// useGlobalFilters (or per controller / method with @UseFilters).
import { Catch, HttpException } from '@nestjs/common';
import type { ArgumentsHost, RpcExceptionFilter } from '@nestjs/common';
import { FORBIDDEN_MESSAGE } from '@nestjs/core/internal';
import { RpcException } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError, toGrpcError } from '../protocol/grpc-error.js';
import { isStatus, Status } from '../protocol/status.js';
import { statusFromHttpException } from './http-status.js';

/**
 * Maps whatever a handler, guard, interceptor or pipe threw to a GrpcError:
 * GrpcError as it is; RpcException with `{ code, message }` to that status; a denying guard to
 * PERMISSION_DENIED; HttpException by its HTTP status (see http-status.ts); anything else to UNKNOWN
 * `Exception calling application: <message>`.
 */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toGrpcError(exception));
  }

  /** The status to send for `exception`; subclasses may map their own types first. */
  protected toGrpcError(exception: unknown): GrpcError {
    if (exception instanceof GrpcError) return exception;
    if (exception instanceof RpcException) return fromRpcException(exception);
    if (exception instanceof HttpException) return statusFromHttpException(exception);
    const message = exception instanceof Error ? exception.message : String(exception);
    return new GrpcError(Status.UNKNOWN, `Exception calling application: ${message}`, { cause: exception });
  }
}

function fromRpcException(exception: RpcException): GrpcError {
  const error = exception.getError();
  if (typeof error === 'object' && error !== null && isStatus((error as { code?: unknown }).code)) return toGrpcError(error);
  // Nest's guards consumer signals a denial only as RpcException(FORBIDDEN_MESSAGE).
  if (error === FORBIDDEN_MESSAGE) return new GrpcError(Status.PERMISSION_DENIED, FORBIDDEN_MESSAGE, { cause: exception });
  const message = typeof error === 'string' ? error : exception.message;
  return new GrpcError(Status.UNKNOWN, message, { cause: exception });
}
