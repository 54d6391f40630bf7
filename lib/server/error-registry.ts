// What a handler threw -> the status sent: registered exception-type mappings (nameko-grpc's register_handler),
// GrpcError and status-shaped objects as they are, anything else UNKNOWN with a DebugInfo holding the stack.
import { errorMessageOf, GrpcError, toGrpcError } from '../protocol/grpc-error.js';
import { isStatus, Status } from '../protocol/status.js';
import { packDetail } from '../protocol/status-details.js';
import { MAX_STATUS_MESSAGE_BYTES, truncateUtf8 } from '../protocol/trailers.js';

/** Turns one exception type into the status to send. */
export type ErrorMapping<E> = (error: E) => GrpcError;
/** A class whose instances (and subclasses' instances) a mapping handles. */
export type ErrorClass<E> = abstract new (...args: never[]) => E;

/** How the server answers exceptions nobody mapped. */
export interface ErrorDetailOptions {
  /**
   * Attach a google.rpc.DebugInfo (stack entries and detail) to the UNKNOWN status of an unmapped exception.
   * Default: true unless NODE_ENV is 'production'.
   */
  debugInfo?: boolean;
}

const mappings = new Map<ErrorClass<unknown>, ErrorMapping<unknown>>();

/**
 * Maps every exception of `type` (and its subclasses) to a GrpcError, for the standalone server and for
 * GrpcExceptionFilter, wherever it was thrown. A later registration for the same class replaces the earlier one;
 * the most specific class wins. Returns a function that removes this registration.
 */
export function registerErrorHandler<E>(type: ErrorClass<E>, mapping: ErrorMapping<E>): () => void {
  const stored = mapping as ErrorMapping<unknown>;
  mappings.set(type, stored);
  return () => {
    if (mappings.get(type) === stored) mappings.delete(type);
  };
}

/** The registered mapping's GrpcError for `error`, or undefined when no class along its prototype chain has one. */
export function mapRegisteredError(error: unknown): GrpcError | undefined {
  if (mappings.size === 0 || typeof error !== 'object' || error === null) return undefined;
  for (let proto: unknown = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const mapping = mappings.get((proto as { constructor: ErrorClass<unknown> }).constructor);
    // A mapping written in JS may return something else: normalise it rather than send garbage.
    if (mapping !== undefined) return toGrpcError(mapping(error));
  }
  return undefined;
}

/**
 * The status for what a handler threw: a GrpcError as it is; a registered mapping's answer; an object with a
 * gRPC `code` and `message` (grpc-js errors, RpcException payloads) as that status; anything else UNKNOWN
 * 'Exception calling application: <message>', with a DebugInfo unless `options.debugInfo` (or NODE_ENV) says not.
 */
export function grpcErrorOf(error: unknown, options: ErrorDetailOptions = {}): GrpcError {
  if (error instanceof GrpcError) return error;
  try {
    const mapped = mapRegisteredError(error);
    if (mapped !== undefined) return mapped;
  } catch (mappingError) {
    // The mapping itself failed: report that failure, without consulting the registry again.
    return unknownError(mappingError, options);
  }
  if (typeof error === 'object' && error !== null && isStatus((error as { code?: unknown }).code)) return toGrpcError(error);
  return unknownError(error, options);
}

// The DebugInfo's share of the status details (which repeat the message): together under MAX_STATUS_DETAILS_BYTES.
const MAX_DEBUG_DETAIL_BYTES = 1024;
const MAX_STACK_BYTES = 4 * 1024;
const MAX_STACK_LINE_BYTES = 512;

function unknownError(error: unknown, options: ErrorDetailOptions): GrpcError {
  // Cut here, not only in the trailers, so the copy inside the status details is as short.
  const message = truncateUtf8(`Exception calling application: ${errorMessageOf(error)}`, MAX_STATUS_MESSAGE_BYTES);
  const debugInfo = options.debugInfo ?? process.env['NODE_ENV'] !== 'production';
  if (!debugInfo) return new GrpcError(Status.UNKNOWN, message, { cause: error });
  const detail = packDetail('DebugInfo', {
    stackEntries: boundedLines(stackEntriesOf(error)),
    detail: truncateUtf8(summaryOf(error), MAX_DEBUG_DETAIL_BYTES),
  });
  return new GrpcError(Status.UNKNOWN, message, { cause: error, details: [detail] });
}

/** An exception as one line: `Name: message` for Errors. */
function summaryOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'Unknown error';   // an object without a prototype has no toString
  }
}

/** Stack lines within MAX_STACK_BYTES, each within MAX_STACK_LINE_BYTES (the first repeats the message). */
function boundedLines(lines: string[]): string[] {
  const kept: string[] = [];
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = truncateUtf8(lines[i]!, MAX_STACK_LINE_BYTES);
    bytes += Buffer.byteLength(line);
    if (bytes > MAX_STACK_BYTES) {
      kept.push(`[truncated: ${lines.length - i} more lines]`);
      break;
    }
    kept.push(line);
  }
  return kept;
}

const MAX_CAUSES = 5;

/** The stack's lines, then each cause's, so a wrapped failure still shows where it began. */
function stackEntriesOf(error: unknown): string[] {
  const entries: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && current instanceof Error; depth++) {
    const lines = (current.stack ?? summaryOf(current)).split('\n').map((line) => line.trim()).filter(Boolean);
    if (depth > 0 && lines.length > 0) lines[0] = `Caused by: ${lines[0]}`;
    entries.push(...lines);
    current = current.cause;
  }
  return entries;
}
