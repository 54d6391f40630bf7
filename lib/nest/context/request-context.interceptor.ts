// GrpcRequestContextInterceptor: gives each gRPC call its GrpcRequestContext for the handler, every provider it
// calls and every message it streams back. An ordinary Nest interceptor: bind it globally, per controller or method.

import { Inject, Injectable, Optional } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { isObservable, Observable } from 'rxjs';
import { Metadata } from '../../protocol/metadata.js';
import type { CallContext } from '../../server/call-context.js';
import { PropagationPolicy } from '../../context/propagation-policy.js';
import type { RequestContextOptions } from '../../context/propagation-policy.js';
import { GrpcRequestContext } from '../../context/request-context.js';
import type { ServedCallLifetime } from '../../context/request-context.js';
import { bindToContext } from '../../context/with-request-context.js';

/** Injection token of the RequestContextOptions the interceptor reads (GrpcRequestContextModule provides it). */
export const REQUEST_CONTEXT_OPTIONS: unique symbol = Symbol('nestjs-grpc-transport:request-context-options');

interface IncomingCall {
  readonly metadata: Metadata;
  readonly path: string;
  readonly lifetime: ServedCallLifetime | undefined;
}

/** Establishes the request context of every gRPC call it intercepts; other transports pass through untouched. */
@Injectable()
export class GrpcRequestContextInterceptor implements NestInterceptor {
  private readonly policy: PropagationPolicy;

  constructor(@Optional() @Inject(REQUEST_CONTEXT_OPTIONS) options?: RequestContextOptions) {
    this.policy = new PropagationPolicy(options);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const args = context.getArgs<unknown[]>();
    const incoming = readIncoming(args);
    if (incoming === undefined) return next.handle();
    // Bound twice (globally and on a controller, say): the outer one has already set up this call.
    if (GrpcRequestContext.current()?.metadata === incoming.metadata) return next.handle();
    const scope = new GrpcRequestContext(incoming.path, incoming.metadata, this.policy, incoming.lifetime);
    // Request messages arrive from the connection's events, outside any call's context. Nest hands the handler
    // this very args array, so the request stream it gets is the one bound here.
    if (isObservable(args[0])) args[0] = bindToContext(args[0], scope);
    // Subscribing inside run() covers the handler (Nest runs it at subscription), and whatever the answer sets
    // going then (timers, async generators, client calls) keeps the context for the values it emits later.
    return new Observable((subscriber) => scope.run(() => next.handle().subscribe(subscriber)));
  }
}

/**
 * The call behind Nest's arguments: @GrpcHandler gets (request, CallContext); @GrpcMethod and @GrpcStreamMethod
 * (request, Metadata, call); @GrpcStreamCall (call). CallContext has `method.path`, the compat calls `getPath()`.
 */
function readIncoming(args: readonly unknown[]): IncomingCall | undefined {
  for (const arg of args) {
    if (typeof arg !== 'object' || arg === null) continue;
    const { metadata, method, getPath } = arg as { metadata?: unknown; method?: { path?: unknown }; getPath?: unknown };
    if (!(metadata instanceof Metadata)) continue;
    if (typeof method?.path === 'string') return { metadata, path: method.path, lifetime: arg as CallContext };
    const path: unknown = typeof getPath === 'function' ? getPath.call(arg) : undefined;
    if (typeof path === 'string') return { metadata, path, lifetime: compatLifetime(arg) };
  }
  return undefined;
}

interface CompatCall {
  getDeadline?(): unknown;
  readonly cancelled?: unknown;
  once?(event: 'cancelled', listener: () => void): unknown;
}

/**
 * A grpc-js-style call's deadline (getDeadline()) and cancellation ('cancelled' event, `cancelled` flag). The
 * signal is made on first read, when the handler starts an outgoing call, so calls that make none pay nothing.
 */
function compatLifetime(call: CompatCall): ServedCallLifetime {
  const deadline = typeof call.getDeadline === 'function' ? call.getDeadline() : undefined;
  let signal: AbortSignal | undefined;
  return {
    deadline: typeof deadline === 'number' ? deadline : undefined,
    get signal(): AbortSignal {
      if (signal !== undefined) return signal;
      const controller = new AbortController();
      signal = controller.signal;
      if (call.cancelled === true) controller.abort();
      else call.once?.('cancelled', () => controller.abort());
      return signal;
    },
  };
}
