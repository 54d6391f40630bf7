// Exceptions -> GrpcError for the transport to send: Nest exception filters, registered with
// useGlobalFilters (or per controller / method with @UseFilters).
import { Catch, HttpException } from '@nestjs/common';
import type { ArgumentsHost, RpcExceptionFilter } from '@nestjs/common';
import { FORBIDDEN_MESSAGE } from '@nestjs/core/internal';
import { RpcException } from '@nestjs/microservices';
import { throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError, toGrpcError } from '../protocol/grpc-error.js';
import { isStatus, Status } from '../protocol/status.js';
import { mapRegisteredError } from '../server/error-registry.js';
import { statusFromHttpException } from './http-status.js';

/**
 * Maps whatever a handler, guard, interceptor or pipe threw to a GrpcError:
 * GrpcError as it is; a type registered with registerErrorHandler by its mapping; RpcException with
 * `{ code, message }` to that status; a denying guard to PERMISSION_DENIED; HttpException by its HTTP status
 * (see http-status.ts). Anything else goes on unchanged, and the server answers it as for a plain handler:
 * UNKNOWN `Exception calling application: <message>`, with a DebugInfo unless configured off.
 */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    let mapped: GrpcError | undefined;
    try {
      mapped = this.toGrpcError(exception);
    } catch (mappingError) {
      // A registered mapping that throws: its failure is what the server reports.
      return throwError(() => mappingError);
    }
    return throwError(() => mapped ?? exception);
  }

  /** The status to send for `exception`, or undefined to leave it to the server; subclasses may map more. */
  protected toGrpcError(exception: unknown): GrpcError | undefined {
    if (exception instanceof GrpcError) return exception;
    const registered = mapRegisteredError(exception);
    if (registered !== undefined) return registered;
    if (exception instanceof RpcException) return fromRpcException(exception);
    if (exception instanceof HttpException) return statusFromHttpException(exception);
    return undefined;
  }
}

/**
 * Base class of a filter that maps one exception type to a GrpcError without try/catch: extend it, decorate
 * the subclass with `@Catch(TheirError)` and register it like any filter (globally, per controller, per method).
 * It sees what the handler, a guard, an interceptor or a pipe threw.
 */
export abstract class GrpcErrorMapper<T = unknown> implements RpcExceptionFilter<T> {
  /** The status to send for `exception`. */
  abstract toGrpcError(exception: T, host: ArgumentsHost): GrpcError;

  catch(exception: T, host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toGrpcError(exception, host));
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
