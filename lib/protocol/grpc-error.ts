// GrpcError, the one error type of the library, and the normaliser that turns anything thrown into one.
// Carries what a status trailer carries (PROTOCOL-HTTP2 "Responses"): code, message, trailing metadata, details.
import { asBuffer } from '../memory/buffer-view.js';
import { GRPC_STATUS_DETAILS_HEADER } from './headers.js';
import { Metadata } from './metadata.js';
import type { MetadataInit } from './metadata.js';
import { Status, isStatus } from './status.js';
import { decodeRpcStatus, encodeRpcStatus, unpackDetail } from './status-details.js';
import type { ProtoAny, RpcStatus, StandardDetailName, StandardDetails } from './status-details.js';

export interface GrpcErrorOptions {
  metadata?: Metadata;
  /**
   * Rich status details. A list of packed details (packDetail) is sent as a google.rpc.Status holding this
   * error's code and message; bytes (a Buffer) are an encoded google.rpc.Status (grpc-status-details-bin), kept as is.
   */
  details?: Uint8Array | readonly ProtoAny[];
  cause?: unknown;
}

/** A gRPC status other than OK; `message` is exactly the grpc-message text, without a code prefix. */
export class GrpcError extends Error {
  override readonly name = 'GrpcError';
  readonly code: Status;
  /** Trailing metadata sent or received with the status; never undefined. */
  readonly metadata: Metadata;
  /** The raw grpc-status-details-bin (an encoded google.rpc.Status), sent or received as is. */
  readonly details?: Buffer;
  // undefined: not decoded yet; null: no details, or bytes that are not a google.rpc.Status.
  #status: RpcStatus | null | undefined;

  constructor(code: Status, message: string, options?: GrpcErrorOptions) {
    // Pass cause only when given, so `'cause' in err` stays false otherwise (as with plain Errors).
    super(message, options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.metadata = options?.metadata ?? new Metadata();
    const details = options?.details;
    if (details instanceof Uint8Array) {
      this.details = asBuffer(details);
    } else if (details !== undefined) {
      this.#status = { code, message, details: [...details] };
      this.details = encodeRpcStatus(this.#status);
    }
  }

  /** The google.rpc.Status decoded from `details`; undefined without details or when they do not decode. */
  get status(): RpcStatus | undefined {
    if (this.#status === undefined) {
      try {
        this.#status = this.details === undefined ? null : decodeRpcStatus(this.details);
      } catch {
        this.#status = null;
      }
    }
    return this.#status ?? undefined;
  }

  /** The first detail of a standard type (DebugInfo, ErrorInfo, BadRequest, ...), unpacked; undefined if none. */
  detail<N extends StandardDetailName>(type: N): StandardDetails[N] | undefined {
    for (const packed of this.status?.details ?? []) {
      try {
        const value = unpackDetail(packed, type);
        if (value !== undefined) return value;
      } catch {
        // An undecodable detail of this type: look on, as unpackDetails skips it.
      }
    }
    return undefined;
  }
}

/** The text of anything thrown: its string `message`, else its String() form (never throws itself). */
export function errorMessageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  try {
    return String(err);
  } catch {
    // Objects without a prototype (Object.create(null)) have no toString.
    return 'Unknown error';
  }
}

/**
 * Normalises anything thrown or emitted by a handler into a GrpcError.
 * Status-shaped objects (grpc-js ServiceError, Nest RpcException payloads) keep their code; grpc-js puts the
 * bare text in `details` and a '13 INTERNAL: ' prefixed copy in `message`, so `details` wins when it is a string.
 */
export function toGrpcError(err: unknown): GrpcError {
  if (err instanceof GrpcError) return err;
  if (typeof err === 'object' && err !== null) {
    const shaped = err as { code?: unknown; message?: unknown; details?: unknown; metadata?: unknown };
    const text =
      typeof shaped.details === 'string' ? shaped.details : typeof shaped.message === 'string' ? shaped.message : undefined;
    if (isStatus(shaped.code) && text !== undefined) {
      const options: GrpcErrorOptions = { cause: err };
      // Ours as it is; a grpc-js Metadata (from code written for grpc-js) is converted.
      if (typeof shaped.metadata === 'object' && shaped.metadata !== null && typeof (shaped.metadata as { getMap?: unknown }).getMap === 'function') {
        options.metadata = Metadata.from(shaped.metadata as MetadataInit);
        // grpc-js code carries rich details as trailing metadata: lift them so `status` decodes them.
        const [details] = options.metadata.get(GRPC_STATUS_DETAILS_HEADER);
        if (Buffer.isBuffer(details)) options.details = details;
      }
      return new GrpcError(shaped.code, text, options);
    }
  }
  return new GrpcError(Status.UNKNOWN, errorMessageOf(err), { cause: err });
}
