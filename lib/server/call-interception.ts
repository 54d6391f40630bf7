// The server interceptors' part in each call: the chain (telemetry first, then the access log, then the user's)
// built once from the options, a call's hooks made as it starts, and handlers wrapped at registration to run
// inside them. Without any interceptor none of this exists and a call pays nothing.
import type { ServerHttp2Stream } from 'node:http2';
import { runInScope } from '../context/with-request-context.js';
import { createAccessLogInterceptor } from '../observability/access-log.js';
import { createOtelServerInterceptor } from '../observability/otel-server-interceptor.js';
import type { ServerCallContext, ServerHandler } from './call-context.js';
import type { ServerCall } from './server-call.js';
import { startServerInterceptors } from './server-interceptor.js';
import type { IncomingCall, ServerCallHooks, ServerInterceptor } from './server-interceptor.js';
import type { ServerOptions } from './server-options.js';

/** A server's interceptor chain and the hooks of its calls in flight. */
export class CallInterception {
  readonly #interceptors: readonly ServerInterceptor[];
  readonly #hooks = new WeakMap<ServerCallContext, ServerCallHooks>();

  /** undefined when the options ask for no interceptor. */
  static of(options: ServerOptions): CallInterception | undefined {
    // Telemetry first: the handler and the other interceptors' runHandler run inside its span.
    const telemetry = createOtelServerInterceptor(options.telemetry);
    const accessLog = createAccessLogInterceptor(options.accessLog);
    const chain = [telemetry, accessLog, ...(options.interceptors ?? [])].filter((i): i is ServerInterceptor => i !== undefined);
    return chain.length === 0 ? undefined : new CallInterception(chain);
  }

  private constructor(interceptors: readonly ServerInterceptor[]) {
    this.#interceptors = interceptors;
  }

  /** Starts the chain for a call about to be served; its hooks then follow the call and its handler. */
  begin(call: ServerCall, stream: ServerHttp2Stream, context: ServerCallContext): void {
    // The socket `peer` was built from (ServerListener.peerOf) has its parts already: no need to parse them back out.
    const socket = stream.session?.socket;
    const incoming: IncomingCall = {
      method: call.method,
      get metadata() { return call.metadata; },
      peer: call.peer,
      peerAddress: socket?.remoteAddress ?? 'unknown',
      peerPort: socket?.remotePort ?? 0,
      localAddress: socket?.localAddress ?? 'unknown',
      localPort: socket?.localPort ?? 0,
      get deadline() { return call.deadline; },
    };
    const hooks = startServerInterceptors(this.#interceptors, incoming);
    if (hooks === undefined) return;
    call.hooks = hooks;
    this.#hooks.set(context, hooks);
  }

  /** A call to a method not served, answered UNIMPLEMENTED without a ServerCall. */
  unimplemented(path: string, peer: string): void {
    for (const interceptor of this.#interceptors) interceptor.onUnimplemented?.(path, peer);
  }

  /** The handler run inside the call's interceptors (runHandler), wrapped once at registration. */
  wrap(handler: ServerHandler): ServerHandler {
    const hooksOf = this.#hooks;
    return (request, context) => {
      const hooks = hooksOf.get(context as ServerCallContext);
      if (hooks === undefined) return handler(request, context);
      // The answer is consumed after the handler returned (a Nest handler's Observable, say): bound to the same scope.
      return runInScope(hooks, request, context.method.responseStream, (input) => handler(input as never, context));
    };
  }
}
