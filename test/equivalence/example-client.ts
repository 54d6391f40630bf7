// One client interface for every client kind in the matrix: each call settles with its replies,
// initial and trailing metadata and status; failures reject with a CallError of the same shape.
import type { ExampleReply, MetadataMap, RequestInit } from './example-service.js';
import type { DecodedStatus } from './rpc-status-reference.js';
import type { ClientTls } from '../fixtures/tls.js';
import type { LoaderVariant } from './loader-variants.js';

export type EncodingName = 'identity' | 'gzip' | 'deflate';

export interface ExampleCallOptions {
  readonly metadata?: MetadataMap;
  readonly timeout?: number;                  // ms from the call's start
  readonly compression?: EncodingName;        // overrides the client's default for this call
  readonly signal?: AbortSignal;              // aborting cancels the call (CANCELLED)
  onResponse?(reply: ExampleReply, index: number): void;
}

export interface CallStatus { readonly code: number; readonly message: string }

export interface CallResult {
  readonly responses: ExampleReply[];
  readonly header: MetadataMap;               // response initial metadata
  readonly trailer: MetadataMap;              // trailing metadata
  readonly status: CallStatus;
}

/**
 * A failed call: code, grpc-message as `message`, trailing `metadata`, plus what arrived before, and the
 * google.rpc.Status of grpc-status-details-bin as the client kind decodes it (undefined when none came).
 */
export class CallError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly metadata: MetadataMap,
    readonly header: MetadataMap,
    readonly responses: ExampleReply[],
    readonly status?: DecodedStatus,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

export type RequestSource = Iterable<RequestInit> | AsyncIterable<RequestInit>;

export interface ExampleClient {
  unary(method: string, request: RequestInit, options?: ExampleCallOptions): Promise<CallResult>;
  serverStream(method: string, request: RequestInit, options?: ExampleCallOptions): Promise<CallResult>;
  clientStream(method: string, requests: RequestSource, options?: ExampleCallOptions): Promise<CallResult>;
  bidi(method: string, requests: RequestSource, options?: ExampleCallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface ClientFactoryOptions {
  readonly defaultCompression?: EncodingName;
  /** Connect with TLS, trusting and presenting what this names; plaintext when unset. */
  readonly tls?: ClientTls;
  /** How the client loads example.proto, for the kinds that have a loader; grpc.io's options when unset. */
  readonly loader?: LoaderVariant;
}
export type ClientFactory = (address: string, options?: ClientFactoryOptions) => ExampleClient;

export interface ClientEntry {
  readonly name: string;
  readonly create: ClientFactory;
}

/** Collects one call's outcome; adapters feed it and settle it exactly once. */
export class CallCollector {
  readonly responses: ExampleReply[] = [];
  header: MetadataMap = {};

  constructor(private readonly options: ExampleCallOptions) {}

  push(reply: ExampleReply): void {
    this.responses.push(reply);
    this.options.onResponse?.(reply, this.responses.length - 1);
  }

  result(status: CallStatus, trailer: MetadataMap): CallResult {
    return { responses: this.responses, header: this.header, trailer, status };
  }

  error(status: CallStatus, trailer: MetadataMap, rich?: DecodedStatus): CallError {
    return new CallError(status.code, status.message, trailer, this.header, this.responses, rich);
  }
}
