// One served call's context, kept in async-local storage while the call is handled: request metadata, call id,
// call-id stack and context data (nameko's worker context data), and what the calls it makes inherit: metadata,
// the deadline and cancellation.

import { Metadata } from '../protocol/metadata.js';
import type { MetadataValue } from '../protocol/metadata.js';
import { ambientContext } from './ambient-context.js';
import type { AmbientContext } from './ambient-context.js';
import { CALL_ID_STACK_KEY, CONTEXT_DATA_PREFIX, parseCallIdStack, PropagationPolicy } from './propagation-policy.js';
import type { RequestContextOptions } from './propagation-policy.js';

const DEFAULT_POLICY = new PropagationPolicy();

/** The served call's deadline and cancellation, which bound the calls made while serving it; a CallContext is one. */
export interface ServedCallLifetime {
  /** Epoch milliseconds; undefined or Infinity without a deadline. */
  readonly deadline: number | undefined;
  /** Fires when the call ends early; may be a getter that creates it on first read. */
  readonly signal: AbortSignal;
}

/** What a context is built from: the members of GrpcServer's CallContext it reads. */
export interface ServedCall extends ServedCallLifetime {
  readonly method: { readonly path: string };
  readonly metadata: Metadata;
}

/** The context of the gRPC call being served; `GrpcRequestContext.current()` finds it from any code the call runs. */
export class GrpcRequestContext implements AmbientContext {
  /** This call's id. */
  readonly callId: string;
  /** The ids of the calls that led here, oldest first, ending with this call's id. */
  readonly callIdStack: readonly string[];
  readonly #data = new Map<string, MetadataValue>();
  readonly #policy: PropagationPolicy;
  readonly #lifetime: ServedCallLifetime | undefined;
  #propagated: Metadata | undefined;

  /**
   * `path` is the method's '/package.Service/Method'; `metadata` the request metadata, shared, not copied;
   * `lifetime` the served call's deadline and cancellation, which the calls made in this context inherit.
   */
  constructor(readonly path: string, readonly metadata: Metadata, policy: PropagationPolicy = DEFAULT_POLICY, lifetime?: ServedCallLifetime) {
    this.#policy = policy;
    this.#lifetime = lifetime;
    this.callId = policy.createCallId(path);
    // The stack is one ','-joined header value.
    if (this.callId.includes(',')) throw new TypeError(`A call id cannot contain ',': ${this.callId}`);
    const received = parseCallIdStack(metadata.get(CALL_ID_STACK_KEY));
    received.push(this.callId);
    this.callIdStack = Object.freeze(received.slice(-policy.maxCallIdStack));
    for (const key of metadata.keys()) {
      if (!key.startsWith(CONTEXT_DATA_PREFIX) || key.length === CONTEXT_DATA_PREFIX.length) continue;
      this.#data.set(key.slice(CONTEXT_DATA_PREFIX.length), metadata.get(key)[0]!);
    }
  }

  /**
   * The context of a call served by GrpcServer's own handlers (what its requestContext option does for every
   * handler): run the handler's work in `context.run(...)` so the calls it makes inherit metadata, deadline and
   * cancellation.
   */
  static forCall(call: ServedCall, options?: RequestContextOptions): GrpcRequestContext {
    const policy = options === undefined ? DEFAULT_POLICY : new PropagationPolicy(options);
    return new GrpcRequestContext(call.method.path, call.metadata, policy, call);
  }

  /** The context of the call being served here, or undefined outside one (at startup, in a guard). */
  static current(): GrpcRequestContext | undefined {
    const store = ambientContext.getStore();
    return store instanceof GrpcRequestContext ? store : undefined;
  }

  /** As current(), but throws outside a served call. */
  static require(): GrpcRequestContext {
    const context = GrpcRequestContext.current();
    if (context === undefined) {
      throw new Error('No gRPC request context here: read it while a call is handled, with GrpcRequestContextInterceptor bound or GrpcServer\'s requestContext option on');
    }
    return context;
  }

  /** Runs `fn` with this context current; async work it starts keeps it. */
  run<T>(fn: () => T): T {
    return ambientContext.run(this, fn);
  }

  /** The served call's deadline in epoch ms; Infinity when it has none. */
  get deadline(): number {
    return this.#lifetime?.deadline ?? Infinity;
  }

  /** Fires when the served call is cancelled, times out or loses its connection; undefined when not known. */
  get signal(): AbortSignal | undefined {
    return this.#lifetime?.signal;
  }

  /** A context data value: received as `x-context-<name>` or set during this call. */
  get(name: string): MetadataValue | undefined {
    return this.#data.get(name.toLowerCase());
  }

  /** Sets context data; the calls made from now on carry it as `x-context-<name>` (names ending in -bin take Buffers). */
  set(name: string, value: MetadataValue): void {
    const key = `${CONTEXT_DATA_PREFIX}${name}`.toLowerCase();
    // Metadata's own checks: an illegal name or value is a TypeError here, not a failed call later.
    new Metadata().set(key, value);
    this.#data.set(key.slice(CONTEXT_DATA_PREFIX.length), value);
    this.#propagated = undefined;
  }

  /** Removes context data, so calls made from now on no longer carry it. */
  delete(name: string): void {
    if (this.#data.delete(name.toLowerCase())) this.#propagated = undefined;
  }

  /** All context data, a snapshot. */
  get data(): Readonly<Record<string, MetadataValue>> {
    return Object.fromEntries(this.#data);
  }

  /** What every call made in this context adds to its request metadata; shared, so read it, do not change it. */
  propagatedMetadata(): Metadata {
    this.#propagated ??= this.buildPropagated();
    return this.#propagated;
  }

  private buildPropagated(): Metadata {
    const policy = this.#policy;
    const out = new Metadata();
    for (const key of this.metadata.keys()) {
      // Both are rebuilt below: the stack with this call's id, context data as it stands now.
      if (key === CALL_ID_STACK_KEY || key.startsWith(CONTEXT_DATA_PREFIX) || !policy.forwards(key)) continue;
      for (const value of this.metadata.get(key)) out.add(key, value);
    }
    for (const [name, value] of this.#data) {
      const key = `${CONTEXT_DATA_PREFIX}${name}`;
      if (policy.forwards(key)) out.set(key, value);
    }
    out.set(CALL_ID_STACK_KEY, this.callIdStack.join(','));
    return out;
  }
}
