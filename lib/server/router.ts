// Path -> method and handler, built once at registration (PROTOCOL-HTTP2 "Path": /Service-Name/{method name}).
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import type { ServerHandler } from './call-context.js';

/** A registered method: its descriptor and the handler that serves it. */
export interface Route {
  readonly method: MethodDescriptor;
  readonly handler: ServerHandler;
}

/** Maps request paths to routes; an unknown path is the caller's UNIMPLEMENTED. */
export class Router {
  readonly #routes = new Map<string, Route>();

  addMethod(method: MethodDescriptor, handler: ServerHandler): void {
    if (this.#routes.has(method.path)) {
      throw new Error(`A handler for ${method.path} is already registered`);
    }
    this.#routes.set(method.path, { method, handler });
  }

  /** Registers handlers keyed by proto method name; a name the service lacks is a startup error. */
  addService(service: ServiceDescriptor, handlers: Readonly<Record<string, ServerHandler>>): void {
    for (const [name, handler] of Object.entries(handlers)) {
      const method = service.methods.get(name);
      if (method === undefined) {
        throw new Error(`Service ${service.name} has no method named ${name}`);
      }
      this.addMethod(method, handler);
    }
  }

  find(path: string | undefined): Route | undefined {
    return path === undefined ? undefined : this.#routes.get(path);
  }
}
