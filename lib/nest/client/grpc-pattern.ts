// The pattern GrpcClientProxy.send()/emit() take: which method of which service one packet calls.
// Object form as Nest's @GrpcMethod metadata ({ service, rpc }) or { service, method }; string form is the request path.

/** `{ service, method }` (or `rpc`, as in @GrpcMethod), or 'pkg.Service/Method' with an optional leading '/'. */
export type GrpcPattern =
  | { readonly service: string; readonly method: string }
  | { readonly service: string; readonly rpc: string }
  | string;

/** A service name as getService() takes it and a method name as getService() offers it. */
export interface PatternTarget {
  readonly service: string;
  readonly method: string;
}

function invalid(pattern: unknown): TypeError {
  let shown: string;
  try {
    shown = JSON.stringify(pattern) ?? String(pattern);
  } catch {
    shown = String(pattern);
  }
  return new TypeError(`A gRPC pattern is { service, method } or 'package.Service/Method', got ${shown}`);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Throws a TypeError naming the pattern when it has neither form. */
export function parsePattern(pattern: unknown): PatternTarget {
  if (typeof pattern === 'string') {
    const path = pattern.startsWith('/') ? pattern.slice(1) : pattern;
    const slash = path.lastIndexOf('/');
    const service = path.slice(0, slash);
    const method = path.slice(slash + 1);
    if (slash < 0 || !nonEmpty(service) || !nonEmpty(method)) throw invalid(pattern);
    return { service, method };
  }
  if (typeof pattern === 'object' && pattern !== null) {
    const { service, method, rpc } = pattern as { service?: unknown; method?: unknown; rpc?: unknown };
    const name = method ?? rpc;
    if (nonEmpty(service) && nonEmpty(name)) return { service, method: name };
  }
  throw invalid(pattern);
}
