// Client interceptors: hooks around each outgoing call (request metadata before it goes out; status and duration
// after), and the ambient context of the call being served, which a built-in interceptor adds to every request.

import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { Metadata } from '../protocol/metadata.js';
import type { StatusInfo } from '../protocol/trailers.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import type { ResolvedCallOptions } from './call-options.js';

/** One outgoing call as interceptors see it; a fresh object per call, so it can key a WeakMap. */
export interface OutgoingCall {
  readonly method: MethodDescriptor;
  /** The request metadata; onStart hooks may add, replace or remove entries. */
  readonly metadata: Metadata;
  /** Absolute deadline in epoch ms; Infinity when the call has none. */
  readonly deadline: number;
}

/** How an outgoing call ended. */
export interface ClientCallResult {
  /** The final status as the subscriber sees it: CANCELLED when it unsubscribed first. */
  readonly status: StatusInfo;
  /** Milliseconds from subscribe to the final status. */
  readonly durationMs: number;
}

/** Hooks run around every call of a client: for logging, auth, metrics. */
export interface ClientInterceptor {
  /** Before the request headers are built, in list order; throwing fails the call with that error. */
  onStart?(call: OutgoingCall): void;
  /** Once per started call, in reverse list order; should not throw (a throw becomes a process warning). */
  onEnd?(call: OutgoingCall, result: ClientCallResult): void;
}

/** The part of a served call that the calls it makes inherit: metadata to add to their requests. */
export interface AmbientContext {
  propagatedMetadata(): Metadata;
}

/** The context of the call being served, set by whatever serves it (the Nest request-context interceptor). */
export const ambientContext = new AsyncLocalStorage<AmbientContext>();

/**
 * The built-in propagation: adds the ambient context's metadata to the request. What the caller set explicitly
 * wins, key by key, so a caller can still override a forwarded header for one call.
 */
export const propagateAmbientContext: ClientInterceptor = {
  onStart(call: OutgoingCall): void {
    const propagated = ambientContext.getStore()?.propagatedMetadata();
    if (propagated === undefined) return;
    for (const key of propagated.keys()) {
      if (call.metadata.get(key).length > 0) continue;
      for (const value of propagated.get(key)) call.metadata.add(key, value);
    }
  },
};

/**
 * Runs the onStart hooks and returns the options the call then goes out with: the metadata they left, and an
 * onStatus that also runs the onEnd hooks. The caller's own Metadata object is copied, never changed.
 */
export function interceptCall(chain: readonly ClientInterceptor[], method: MethodDescriptor, options: ResolvedCallOptions): ResolvedCallOptions {
  const started = performance.now();
  const call: OutgoingCall = { method, metadata: new Metadata(options.metadata), deadline: options.deadline };
  for (const interceptor of chain) interceptor.onStart?.(call);
  const onStatus = options.onStatus;
  return {
    ...options,
    metadata: call.metadata.size > 0 ? call.metadata : undefined,
    onStatus: (status: StatusInfo): void => {
      onStatus?.(status);
      const result: ClientCallResult = { status, durationMs: performance.now() - started };
      for (let i = chain.length - 1; i >= 0; i--) endOne(chain[i]!, call, result);
    },
  };
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
