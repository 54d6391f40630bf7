// Health and reflection as a GrpcServer switches them on: ordinary services registered through its addService,
// told which services the app serves (for reflection's list and health's defaults) and when the server starts
// listening and starts closing (SERVING, then NOT_SERVING at once, doc/health-checking.md).
import type { Root } from 'protobufjs';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import { serviceSourceOf } from '../schema/proto-sources.js';
import type { ServerHandler } from '../server/call-context.js';
import { GrpcHealth } from './health/grpc-health.js';
import { healthHandlers, healthServiceDescriptor } from './health/health-service.js';
import { ReflectionIndex } from './reflection/reflection-index.js';
import { REFLECTION_VERSIONS } from './reflection/reflection-proto.js';
import { reflectionHandlers, reflectionServiceDescriptor } from './reflection/reflection-service.js';

/** The server options that switch the built-in services on. */
export interface BuiltInServiceOptions {
  /**
   * Serve grpc.health.v1.Health: `true` for a status store of the server's own, or a GrpcHealth the app shares.
   * '' and every served service report SERVING once listening (unless set before), NOT_SERVING from close().
   */
  health?: boolean | GrpcHealth;
  /** Serve grpc.reflection.v1 and v1alpha ServerReflection for the served services' .proto files. */
  reflection?: boolean;
}

/** Where the built-in services register: GrpcServer's own addService. */
export interface ServiceRegistrar {
  addService(service: ServiceDescriptor, handlers: Readonly<Record<string, ServerHandler>>): void;
}

/** The health and reflection services of one server. */
export class BuiltInServices {
  readonly health: GrpcHealth | undefined;
  // Service name -> its protobufjs Root (undefined for hand-built descriptors), app services first.
  readonly #served = new Map<string, Root | undefined>();
  readonly #builtIn = new Map<string, Root | undefined>();
  #index: ReflectionIndex | undefined;
  #listening = false;

  constructor(options: BuiltInServiceOptions, server: ServiceRegistrar) {
    const health = options.health;
    this.health = health instanceof GrpcHealth ? health : health === true ? new GrpcHealth() : undefined;
    if (this.health !== undefined) this.#register(server, healthServiceDescriptor(), healthHandlers(this.health));
    if (options.reflection === true) {
      const source = { serviceNames: () => [...this.#served.keys(), ...this.#builtIn.keys()], index: () => this.#reflectionIndex() };
      for (const version of REFLECTION_VERSIONS) this.#register(server, reflectionServiceDescriptor(version), reflectionHandlers(source));
    }
  }

  /** An app service (or one of its methods) was registered. */
  served(descriptor: ServiceDescriptor | MethodDescriptor): void {
    const name = 'methods' in descriptor ? descriptor.name : descriptor.service;
    if (this.#served.has(name)) return;
    this.#served.set(name, serviceSourceOf(descriptor)?.root);
    this.#index = undefined;
    if (this.#listening) this.health?.setDefault([name], 'SERVING');
  }

  /** The server is listening: what the app has not set reports SERVING. */
  listening(): void {
    this.#listening = true;
    this.health?.setDefault(['', ...this.#served.keys()], 'SERVING');
  }

  /** close() began: NOT_SERVING everywhere before any connection is told to go away. */
  closing(): void {
    this.#listening = false;
    this.health?.shutdown();
  }

  #register(server: ServiceRegistrar, descriptor: ServiceDescriptor, handlers: Record<string, ServerHandler>): void {
    server.addService(descriptor, handlers);
    this.#builtIn.set(descriptor.name, serviceSourceOf(descriptor)?.root);
  }

  // Built on the first reflection request after a service was added: a served schema does not change after.
  #reflectionIndex(): ReflectionIndex {
    if (this.#index === undefined) {
      const roots = new Set<Root>();
      for (const root of [...this.#served.values(), ...this.#builtIn.values()]) if (root !== undefined) roots.add(root);
      this.#index = new ReflectionIndex(roots);
    }
    return this.#index;
  }
}

/** The built-in services `options` switch on, or undefined when none is. */
export function createBuiltInServices(options: BuiltInServiceOptions, server: ServiceRegistrar): BuiltInServices | undefined {
  if ((options.health === undefined || options.health === false) && options.reflection !== true) return undefined;
  return new BuiltInServices(options, server);
}
