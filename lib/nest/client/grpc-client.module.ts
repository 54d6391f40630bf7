// GrpcClientModule: GrpcClientProxy providers from static options (register) or a DI factory (registerAsync),
// each under its `name` as token, exactly as ClientsModule registers its clients; InjectGrpcClient injects one.

import { Inject, Module } from '@nestjs/common';
import type { DynamicModule, InjectionToken, ModuleMetadata, OptionalFactoryDependency, Provider } from '@nestjs/common';
import { GrpcClientProxy } from './grpc-client.proxy.js';
import type { GrpcClientProxyOptions } from './grpc-client.proxy.js';

/** One client: its injection token and its options. */
export interface GrpcClientRegistration {
  readonly name: string | symbol;
  readonly options: GrpcClientProxyOptions;
}

/** One client whose options come from a factory run by Nest's injector. */
export interface GrpcClientAsyncRegistration extends Pick<ModuleMetadata, 'imports'> {
  readonly name: string | symbol;
  /** Providers handed to useFactory, in order. */
  readonly inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Providers needed by the factory that no imported module exports. */
  readonly extraProviders?: Provider[];
  // Method syntax on purpose: a factory taking (config: SomeConfig) must be assignable here.
  useFactory(...deps: unknown[]): GrpcClientProxyOptions | Promise<GrpcClientProxyOptions>;
}

function listOf<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Provides GrpcClientProxy instances; each closes itself at application shutdown. */
@Module({})
export class GrpcClientModule {
  /** Clients built from static options. */
  static register(registrations: GrpcClientRegistration | readonly GrpcClientRegistration[]): DynamicModule {
    const providers: Provider[] = listOf(registrations).map((registration) => ({
      provide: registration.name,
      // A factory, not a value: a bad protoPath fails app creation, not the import of the module file.
      useFactory: () => new GrpcClientProxy(registration.options),
    }));
    return { module: GrpcClientModule, providers, exports: providers };
  }

  /** Clients whose options a factory builds from injected providers (a config service, say). */
  static registerAsync(registrations: GrpcClientAsyncRegistration | readonly GrpcClientAsyncRegistration[]): DynamicModule {
    const list = listOf(registrations);
    const clients: Provider[] = list.map((registration) => ({
      provide: registration.name,
      useFactory: async (...deps: unknown[]) => new GrpcClientProxy(await registration.useFactory(...deps)),
      inject: registration.inject ?? [],
    }));
    const imports = [...new Set(list.flatMap((registration) => registration.imports ?? []))];
    const extras = list.flatMap((registration) => registration.extraProviders ?? []);
    return { module: GrpcClientModule, imports, providers: [...clients, ...extras], exports: clients };
  }
}

/** Injects the GrpcClientProxy registered under `name` (by GrpcClientModule or ClientsModule). */
export function InjectGrpcClient(name: string | symbol): PropertyDecorator & ParameterDecorator {
  return Inject(name);
}
