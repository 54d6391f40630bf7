// Startup: Nest handler patterns -> proto method descriptors, with errors that name what is missing.
// Accepts our @GrpcHandler patterns and the three shapes of Nest's built-in gRPC decorators.
import type { MethodDescriptor, Schema, ServiceDescriptor } from '../../schema/descriptors.js';
import { lowerCamelCase } from '../../schema/method-names.js';

/** A Nest message handler as the listeners controller hands it over (its RPC proxy). */
export type NestHandler = (...args: unknown[]) => unknown;

/**
 * How a handler wants its arguments. 'native': our @GrpcHandler, (request or request$, CallContext).
 * The others follow Nest's built-in transport: 'unary' is @GrpcMethod (request, Metadata, call),
 * 'rx' is @GrpcStreamMethod (request$, Metadata, call), 'passthrough' is @GrpcStreamCall (duplex call[, callback]).
 */
export type HandlerStyle = 'native' | 'unary' | 'rx' | 'passthrough';

/** A gRPC handler as registered, before its names are resolved against the protos. */
export interface HandlerRegistration {
  readonly service: string;
  readonly rpc: string;
  readonly style: HandlerStyle;
  readonly handler: NestHandler;
}

/** A handler resolved to the method it serves. */
export interface BoundHandler {
  readonly method: MethodDescriptor;
  readonly style: HandlerStyle;
  readonly handler: NestHandler;
}

// Nest's GrpcMethodStreamingType values.
const NEST_STYLES: Readonly<Record<string, HandlerStyle>> = { no_stream: 'unary', rx_stream: 'rx', pt_stream: 'passthrough' };

/** Reads a handler pattern; undefined when it is not a gRPC pattern (a TCP @MessagePattern, say). */
export function parseRegistration(pattern: unknown, handler: NestHandler): HandlerRegistration | undefined {
  if (typeof pattern !== 'object' || pattern === null) return undefined;
  const { service, rpc, streaming } = pattern as { service?: unknown; rpc?: unknown; streaming?: unknown };
  if (typeof service !== 'string' || typeof rpc !== 'string') return undefined;
  const style = streaming === undefined ? 'native' : NEST_STYLES[String(streaming)];
  return style === undefined ? undefined : { service, rpc, style, handler };
}

/**
 * Resolves every registration to a method of `schema`, served only from `packages` when given
 * (as Nest's `package` option does). All problems are reported together in one Error.
 */
export function bindHandlers(registrations: readonly HandlerRegistration[], schema: Schema, packages: readonly string[] | undefined): BoundHandler[] {
  const problems: string[] = [];
  const bound = new Map<string, BoundHandler>();
  for (const registration of registrations) {
    const service = findService(schema, registration.service, packages);
    const method = service === undefined ? undefined : findMethod(service, registration);
    const where = `gRPC handler for ${registration.service}.${registration.rpc}`;
    if (service === undefined) {
      problems.push(`${where}: no service "${registration.service}" in the loaded protos${describePackages(packages)}; known services: ${[...servedServices(schema, packages)].map((s) => s.name).join(', ') || 'none'}`);
    } else if (method === undefined) {
      problems.push(`${where}: service ${service.name} has no method "${registration.rpc}"; its methods: ${[...service.methods.keys()].join(', ')}`);
    } else if (mismatch(registration.style, method) !== undefined) {
      problems.push(`${where}: ${mismatch(registration.style, method)}`);
    } else if (bound.has(method.path)) {
      problems.push(`${where}: ${method.path} already has a handler (two handlers for one method, or one GrpcTransportStrategy given to two apps at once: create a strategy per app)`);
    } else {
      bound.set(method.path, { method, style: registration.style, handler: registration.handler });
    }
  }
  if (problems.length > 0) throw new Error(`Cannot bind gRPC handlers:\n  ${problems.join('\n  ')}`);
  return [...bound.values()];
}

/**
 * Our decorator matches the .proto name exactly. Nest's built-in ones also match grpc-js's lowerCamelCase
 * alias ('FindOne' -> 'findOne'), as Transport.GRPC does: ts-proto's generated controllers use it.
 */
function findMethod(service: ServiceDescriptor, registration: HandlerRegistration): MethodDescriptor | undefined {
  const exact = service.methods.get(registration.rpc);
  if (exact !== undefined || registration.style === 'native') return exact;
  for (const [name, method] of service.methods) if (lowerCamelCase(name) === registration.rpc) return method;
  return undefined;
}

/** Nest's built-in decorators are tied to a request shape; ours adapts to any. */
function mismatch(style: HandlerStyle, method: MethodDescriptor): string | undefined {
  if (style === 'unary' && method.requestStream) {
    return `${method.path} streams requests: decorate it with @GrpcStreamMethod, @GrpcStreamCall or @GrpcHandler`;
  }
  if ((style === 'rx' || style === 'passthrough') && !method.requestStream) {
    return `${method.path} takes a single request: decorate it with @GrpcMethod or @GrpcHandler`;
  }
  return undefined;
}

function findService(schema: Schema, name: string, packages: readonly string[] | undefined): ServiceDescriptor | undefined {
  const served = [...servedServices(schema, packages)];
  const exact = served.find((service) => service.name === name);
  if (exact !== undefined) return exact;
  if (packages !== undefined) {
    return served.find((service) => packages.some((pkg) => service.name === `${pkg}.${name}`));
  }
  const byShortName = served.filter((service) => service.name.endsWith(`.${name}`));
  return byShortName.length === 1 ? byShortName[0] : undefined;
}

function* servedServices(schema: Schema, packages: readonly string[] | undefined): Iterable<ServiceDescriptor> {
  for (const service of schema.services.values()) {
    if (packages === undefined || packages.some((pkg) => service.name.startsWith(`${pkg}.`))) yield service;
  }
}

function describePackages(packages: readonly string[] | undefined): string {
  return packages === undefined ? '' : ` (package ${packages.join(', ')})`;
}
