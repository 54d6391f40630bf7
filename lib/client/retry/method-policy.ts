// What a service config's methodConfig entry does to one call: its deadline and waitForReady, and the retry or
// hedging policy it runs under (doc/service_config.md, gRFC A6).

import type { CallOptions, ResolvedCallOptions } from '../call-options.js';
import type { MethodDescriptor } from '../../schema/descriptors.js';
import type { CallPolicy } from './retrying-call.js';
import type { MethodConfig } from './service-config.js';

/** The service config's timeout (the earlier deadline wins) and waitForReady (unless the call sets its own). */
export function withMethodConfig(resolved: ResolvedCallOptions, config: MethodConfig, options: CallOptions | undefined): ResolvedCallOptions {
  const deadline = config.timeoutMs === undefined ? resolved.deadline : Math.min(resolved.deadline, Date.now() + config.timeoutMs);
  const waitForReady = options?.waitForReady ?? config.waitForReady ?? resolved.waitForReady;
  if (deadline === resolved.deadline && waitForReady === resolved.waitForReady) return resolved;
  return { ...resolved, deadline, waitForReady };
}

/** The policy a call runs under, if its entry has one. */
export function callPolicy(config: MethodConfig): CallPolicy | undefined {
  if (config.retryPolicy !== undefined) return { kind: 'retry', policy: config.retryPolicy };
  if (config.hedgingPolicy !== undefined) return { kind: 'hedge', policy: config.hedgingPolicy };
  return undefined;
}

/** The serialized request's size, for the retry buffers; a request that fails to serialize fails its attempt anyway. */
export function requestSize<Req>(method: MethodDescriptor<Req, unknown>, request: Req): number {
  try {
    return method.serializeRequest(request).length;
  } catch {
    return 0;
  }
}
