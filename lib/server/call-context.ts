// What a handler sees of its call: metadata, deadline, cancellation, peer, compression, and the status it may set.
import type { PeerCertificate } from 'node:tls';
import type { EncodingName } from '../protocol/compression.js';
import type { Metadata, MetadataInit } from '../protocol/metadata.js';
import type { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';

/** The handler's view of one call. */
export interface CallContext {
  /** The method being called. */
  readonly method: MethodDescriptor;
  /** Metadata the client sent with the request. */
  readonly metadata: Metadata;
  /** The client's address, `host:port` (IPv6 hosts in brackets). */
  readonly peer: string;
  /** The client's TLS certificate when it presented one (mutual TLS); undefined on plaintext connections. */
  readonly peerCertificate: PeerCertificate | undefined;
  /** Absolute deadline in epoch milliseconds, or undefined when the client set none. */
  readonly deadline: number | undefined;
  /** Milliseconds left before the deadline; Infinity without one. */
  timeRemaining(): number;
  /** Fires when the client cancels, the deadline passes or the connection drops. */
  readonly signal: AbortSignal;
  /** True once the call was cancelled or timed out. */
  readonly cancelled: boolean;
  /** Sends response headers with this metadata now; only before the first message. */
  sendMetadata(metadata: MetadataInit): void;
  /** Adds metadata to the trailers sent with the final status. */
  setTrailingMetadata(metadata: MetadataInit): void;
  /** Sets the status code sent when the handler completes normally. */
  setCode(code: Status): void;
  /** Sets the status message sent with the final status. */
  setMessage(message: string): void;
  /**
   * Whether the request message being handled arrived compressed: for a request stream, the message the
   * Observable is emitting (read it inside the subscriber's synchronous `next`).
   */
  readonly requestCompressed: boolean;
  /**
   * Compresses the response messages that follow with `encoding`; 'identity' sends them uncompressed (as
   * grpc-js's WriteFlags.NoCompress). Before the first message or sendMetadata() it also picks the call's
   * grpc-encoding (identity if the client does not accept it); after, only that encoding or 'identity'.
   */
  setResponseCompression(encoding: EncodingName): void;
}

/**
 * Serves one method. `request` is the decoded message, or a ServerRequestStream of them when the method streams
 * requests (an Observable to subscribe to, or an async iterable to pull with backpressure). The answer may be a value, a Promise, an Observable, an async
 * iterable or an iterable; streaming methods send every value, unary ones the single value.
 */
// `never` so that handlers typed for their own request message register without a cast.
export type ServerHandler = (request: never, context: CallContext) => unknown;

/** The CallContext a handler receives: a narrow view of its ServerCall. */
export class ServerCallContext implements CallContext {
  readonly #call: CallView;

  constructor(call: CallView) {
    this.#call = call;
  }

  get method(): MethodDescriptor {
    return this.#call.method;
  }
  get metadata(): Metadata {
    return this.#call.metadata;
  }
  get peer(): string {
    return this.#call.peer;
  }
  get peerCertificate(): PeerCertificate | undefined {
    return this.#call.peerCertificate;
  }
  get deadline(): number | undefined {
    return this.#call.deadline;
  }
  timeRemaining(): number {
    const deadline = this.#call.deadline;
    return deadline === undefined ? Infinity : Math.max(deadline - Date.now(), 0);
  }
  get signal(): AbortSignal {
    return this.#call.signal;
  }
  get cancelled(): boolean {
    return this.#call.cancelled;
  }
  sendMetadata(metadata: MetadataInit): void {
    this.#call.sendMetadata(metadata);
  }
  setTrailingMetadata(metadata: MetadataInit): void {
    this.#call.setTrailingMetadata(metadata);
  }
  setCode(code: Status): void {
    this.#call.setCode(code);
  }
  setMessage(message: string): void {
    this.#call.setMessage(message);
  }
  get requestCompressed(): boolean {
    return this.#call.requestCompressed;
  }
  setResponseCompression(encoding: EncodingName): void {
    this.#call.setResponseCompression(encoding);
  }
}

/** The members of a ServerCall the context exposes; keeps handlers away from the stream itself. */
type CallView = Pick<CallContext, 'method' | 'metadata' | 'peer' | 'peerCertificate' | 'deadline' | 'signal' | 'cancelled'
  | 'sendMetadata' | 'setTrailingMetadata' | 'setCode' | 'setMessage' | 'requestCompressed' | 'setResponseCompression'>;
