// Client interceptors: hooks around each outgoing call (request metadata before it goes out; status and duration
// after), and the ambient context of the call being served, which a built-in interceptor passes on to every call
// made while serving it: its metadata, its deadline and its cancellation (grpc-js's propagate flags, implied).

import { performance } from 'node:perf_hooks';
import { ambientContext } from '../context/ambient-context.js';
import { Metadata } from '../protocol/metadata.js';
import type { StatusInfo } from '../protocol/trailers.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import type { ResolvedCallOptions } from './call-options.js';

// The store lives in lib/context; grpc-client.ts reads it through here.
export { ambientContext };

/** One outgoing call as interceptors see it; a fresh object per call, so it can key a WeakMap. */
export interface OutgoingCall {
  readonly method: MethodDescriptor;
  /** The request metadata; onStart hooks may add, replace or remove entries. */
  readonly metadata: Metadata;
  /**
   * Absolute deadline in epoch ms; Infinity when the call has none. onStart hooks may shorten it; a later value
   * than the call's own is ignored, as a served call's deadline bounds the calls it makes.
   */
  deadline: number;
  /**
   * Aborting it cancels the call: RST_STREAM CANCEL, and CANCELLED 'Cancelled by parent call' (grpc-js's status
   * for a propagated cancel). Inside a served call it is the served call's signal; onStart hooks may set it.
   */
  signal: AbortSignal | undefined;
}

/** How an outgoing call ended. */
export interface ClientCallResult {
  /** The final status as the subscriber sees it: CANCELLED when it unsubscribed first. */
  readonly status: StatusInfo;
  /** Milliseconds from subscribe to the final status. */
  readonly durationMs: number;
}

/**
 * What one interceptor follows of one attempt: the one HTTP/2 stream of a call, or each of its retried or hedged
 * attempts (gRFC A6). Sizes are message payloads as on the wire (compressed, without the 5-byte prefix).
 */
export interface AttemptObserver {
  onSendMessage?(bytes: number): void;
  onReceiveMessage?(bytes: number): void;
  /** Once, with the attempt's own status (a retried attempt's failure, or the call's final status). */
  onEnd?(status: StatusInfo): void;
}

/** Hooks run around every call of a client: for logging, auth, metrics. */
export interface ClientInterceptor {
  /** Before the request headers are built, in list order; throwing fails the call with that error. */
  onStart?(call: OutgoingCall): void;
  /** Once per started call, in reverse list order; should not throw (a throw becomes a process warning). */
  onEnd?(call: OutgoingCall, result: ClientCallResult): void;
  /**
   * As each attempt starts, before its headers are built (`attempt` counts from 0; `retryable`: the call runs under
   * a retry or hedging policy); what it returns sees that attempt's messages and status.
   */
  onAttempt?(call: OutgoingCall, attempt: number, retryable: boolean): AttemptObserver | undefined;
}

/** Which parts of the served call the calls made while serving it inherit; each defaults to true. */
export interface PropagateOptions {
  /** Request metadata: the call-id stack, context data, forwarded headers. */
  metadata?: boolean;
  /** The served call's deadline bounds theirs, so grpc-timeout downstream is the time left upstream. */
  deadline?: boolean;
  /** Cancelling the served call (or its deadline or connection loss) cancels them. */
  cancellation?: boolean;
}

/**
 * The built-in propagation as an interceptor: adds the ambient context's metadata to the request (what the
 * caller set explicitly wins, key by key, so a caller can still override a forwarded header for one call), bounds
 * the deadline by the served call's, and ties the call to the served call's cancellation.
 */
export function propagateAmbientContext(parts: PropagateOptions = {}): ClientInterceptor {
  const { metadata = true, deadline = true, cancellation = true } = parts;
  return {
    onStart(call: OutgoingCall): void {
      const served = ambientContext.getStore();
      if (served === undefined) return;
      if (metadata) addPropagatedMetadata(call.metadata, served.propagatedMetadata());
      if (deadline) call.deadline = Math.min(call.deadline, served.deadline);
      if (cancellation) call.signal ??= served.signal;
    },
  };
}

function addPropagatedMetadata(target: Metadata, propagated: Metadata): void {
  for (const key of propagated.keys()) {
    if (target.get(key).length > 0) continue;
    for (const value of propagated.get(key)) target.add(key, value);
  }
}

/**
 * A call the interceptors started: the options it goes out with (the metadata, deadline and signal the onStart
 * hooks left), and its onEnd hooks, which the call runs once with its final status.
 */
export class InterceptedCall {
  constructor(
    readonly options: ResolvedCallOptions,
    private readonly chain: readonly ClientInterceptor[],
    private readonly call: OutgoingCall,
    private readonly started: number,
  ) {}

  /** The observers of attempt number `attempt`, or undefined when no interceptor follows attempts. */
  attempt(attempt: number, retryable: boolean): AttemptHooks | undefined {
    let observers: AttemptObserver[] | undefined;
    for (const interceptor of this.chain) {
      const observer = interceptor.onAttempt?.(this.call, attempt, retryable);
      if (observer !== undefined) (observers ??= []).push(observer);
    }
    return observers === undefined ? undefined : new AttemptHooks(observers);
  }

  /** Runs the onEnd hooks in reverse list order. */
  end(status: StatusInfo): void {
    const result: ClientCallResult = { status, durationMs: performance.now() - this.started };
    for (let i = this.chain.length - 1; i >= 0; i--) endOne(this.chain[i]!, this.call, result);
  }
}

/**
 * Runs the onStart hooks, in list order. The caller's own Metadata object is copied, never changed; a hook that
 * throws fails the call with that error (the throw reaches the caller of start, who reports it).
 */
export function interceptCall(chain: readonly ClientInterceptor[], method: MethodDescriptor, options: ResolvedCallOptions): InterceptedCall {
  const started = performance.now();
  const call: OutgoingCall = { method, metadata: new Metadata(options.metadata), deadline: options.deadline, signal: options.signal };
  for (const interceptor of chain) interceptor.onStart?.(call);
  if (typeof call.deadline !== 'number' || Number.isNaN(call.deadline)) {
    throw new TypeError(`An interceptor set deadline to ${String(call.deadline)}: epoch milliseconds or Infinity expected`);
  }
  const resolved: ResolvedCallOptions = {
    ...options,
    metadata: call.metadata.size > 0 ? call.metadata : undefined,
    deadline: Math.min(options.deadline, call.deadline),
    signal: call.signal,
  };
  return new InterceptedCall(resolved, chain, call, started);
}

/** One attempt's observers; ClientCall calls these only when it has them. */
export class AttemptHooks {
  private ended = false;

  constructor(private readonly observers: readonly AttemptObserver[]) {}

  sent(bytes: number): void {
    for (const observer of this.observers) observer.onSendMessage?.(bytes);
  }

  received(bytes: number): void {
    for (const observer of this.observers) observer.onReceiveMessage?.(bytes);
  }

  end(status: StatusInfo): void {
    if (this.ended) return;
    this.ended = true;
    for (let i = this.observers.length - 1; i >= 0; i--) {
      const observer = this.observers[i]!;
      try {
        observer.onEnd?.(status);
      } catch (err) {
        process.emitWarning(err instanceof Error ? err : String(err), { type: 'GrpcClientInterceptorWarning' });
      }
    }
  }
}

// An onEnd hook runs inside the call's final-status path: a throw there must not leave the subscriber hanging.
function endOne(interceptor: ClientInterceptor, call: OutgoingCall, result: ClientCallResult): void {
  if (interceptor.onEnd === undefined) return;
  try {
    interceptor.onEnd(call, result);
  } catch (err) {
    process.emitWarning(err instanceof Error ? err : String(err), { type: 'GrpcClientInterceptorWarning' });
  }
}
