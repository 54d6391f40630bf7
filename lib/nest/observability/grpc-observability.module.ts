// GrpcObservabilityModule: turns traces, metrics and the access log on for every gRPC server and client of the app
// that does not set its own options.

import { Global, Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { setGrpcObservabilityDefaults } from './observability-defaults.js';
import type { GrpcObservabilityOptions } from './observability-defaults.js';

/** The options forRoot() was given, injectable. */
export const GRPC_OBSERVABILITY_OPTIONS = Symbol('GRPC_OBSERVABILITY_OPTIONS');

/** Import once, in the root module. */
@Global()
@Module({})
export class GrpcObservabilityModule {
  /**
   * Takes effect when called, which is when the root module's imports are evaluated: before the strategy or a
   * proxy is built in main.ts or by the container, since the strategy is made outside Nest's injector.
   */
  static forRoot(options: GrpcObservabilityOptions): DynamicModule {
    setGrpcObservabilityDefaults(options);
    return {
      module: GrpcObservabilityModule,
      global: true,
      providers: [{ provide: GRPC_OBSERVABILITY_OPTIONS, useValue: options }],
      exports: [GRPC_OBSERVABILITY_OPTIONS],
    };
  }
}
