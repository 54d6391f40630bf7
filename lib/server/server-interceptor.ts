// Server interceptors (as grpc-js's since 1.10, and grpc-go's chained interceptors): a chain fixed at construction
// that sees each call's start and metadata, each message in and out with its size on the wire, and its status.
// Without interceptors no per-call object is made: ServerCall's hooks are one `undefined` check.
import { performance } from 'node:perf_hooks';
import type { GrpcError } from '../protocol/grpc-error.js';
import type { Metadata } from '../protocol/metadata.js';
import type { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';

/** A served call as interceptors see it when it starts. */
export interface IncomingCall {
  readonly method: MethodDescriptor;
  /** The request metadata (parsed on first read). */
  readonly metadata: Metadata;
  /** The client's `host:port` and its parts. */
  readonly peer: string;
  readonly peerAddress: string;
  readonly peerPort: number;
  /** The address and port the call arrived on. */
  readonly localAddress: string;
  readonly localPort: number;
  /** Absolute deadline in epoch ms, or undefined. */
  readonly deadline: number | undefined;
}

/** How a served call ended. */
export interface ServedCallEnd {
  readonly code: Status;
  readonly message: string;
  /** The error the status came from (its `cause` holds what a handler threw); undefined for a handler-set status. */
  readonly error: GrpcError | undefined;
  /** Milliseconds from the call's start to its status. */
  readonly durationMs: number;
  /** Totals of the message payloads (after compression, without the 5-byte prefix) received and sent. */
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly messagesReceived: number;
  readonly messagesSent: number;
}

/** What one interceptor follows of one call; every member optional. Hooks should not throw. */
export interface ServerCallObserver {
  /**
   * Runs `handler` in this interceptor's scope (a tracing context, say) and returns its result. Called for the
   * handler, and again for each later step of its answer: an Observable's subscription, each request notification,
   * each pull of an iterable.
   */
  runHandler?<T>(handler: () => T): T;
  /** A request message decoded; `bytes`: its payload as received (compressed). */
  onReceiveMessage?(message: unknown, bytes: number): void;
  /** A response message encoded for sending; `bytes`: its payload as sent. */
  onSendMessage?(message: unknown, bytes: number): void;
  /** Once, with the final status (sent, or CANCELLED when the client left first). */
  onEnd?(end: ServedCallEnd): void;
}

/** Called at the start of every call; returns what it follows of it, or nothing. */
export interface ServerInterceptor {
  onStart(call: IncomingCall): ServerCallObserver | undefined;
  /** A call to a method the server does not serve, answered UNIMPLEMENTED at once (no handler, no messages). */
  onUnimplemented?(path: string, peer: string): void;
}

/** One call's observers in chain order; the counts every observer's onEnd reads. */
export class ServerCallHooks {
  readonly #observers: readonly ServerCallObserver[];
  readonly #started = performance.now();
  #bytesReceived = 0;
  #bytesSent = 0;
  #messagesReceived = 0;
  #messagesSent = 0;
  #ended = false;

  constructor(observers: readonly ServerCallObserver[]) {
    this.#observers = observers;
  }

  /** Runs `handler` inside each observer's runHandler, the first observer outermost. */
  run<T>(handler: () => T, index = 0): T {
    const observer = this.#observers[index];
    if (observer === undefined) return handler();
    if (observer.runHandler === undefined) return this.run(handler, index + 1);
    return observer.runHandler(() => this.run(handler, index + 1));
  }

  received(message: unknown, bytes: number): void {
    this.#bytesReceived += bytes;
    this.#messagesReceived++;
    for (const observer of this.#observers) guard(observer.onReceiveMessage, observer, message, bytes);
  }

  sent(message: unknown, bytes: number): void {
    this.#bytesSent += bytes;
    this.#messagesSent++;
    for (const observer of this.#observers) guard(observer.onSendMessage, observer, message, bytes);
  }

  /** In reverse chain order, as grpc-go unwinds; only the first status counts. */
  ended(code: Status, message: string, error: GrpcError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    const end: ServedCallEnd = {
      code, message, error, durationMs: performance.now() - this.#started,
      bytesReceived: this.#bytesReceived, bytesSent: this.#bytesSent,
      messagesReceived: this.#messagesReceived, messagesSent: this.#messagesSent,
    };
    for (let i = this.#observers.length - 1; i >= 0; i--) guard(this.#observers[i]!.onEnd, this.#observers[i]!, end);
  }
}

/** Starts the chain for one call; undefined when no interceptor follows it. */
export function startServerInterceptors(chain: readonly ServerInterceptor[], call: IncomingCall): ServerCallHooks | undefined {
  const observers: ServerCallObserver[] = [];
  for (const interceptor of chain) {
    const observer = interceptor.onStart(call);
    if (observer !== undefined) observers.push(observer);
  }
  return observers.length === 0 ? undefined : new ServerCallHooks(observers);
}

// A hook runs inside the call's data path: its throw must not break the call.
function guard<A extends unknown[]>(hook: ((...args: A) => void) | undefined, self: ServerCallObserver, ...args: A): void {
  if (hook === undefined) return;
  try {
    hook.apply(self, args);
  } catch (err) {
    process.emitWarning(err instanceof Error ? err : String(err), { type: 'GrpcServerInterceptorWarning' });
  }
}
