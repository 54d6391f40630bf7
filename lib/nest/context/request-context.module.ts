// GrpcRequestContextModule: provides the request-context interceptor, its options and the injectable service
// app-wide, and by default binds the interceptor globally (APP_INTERCEPTOR), so every gRPC call gets its context.

import { Global, Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { RequestContextOptions } from '../../context/propagation-policy.js';
import { GrpcRequestContextInterceptor, REQUEST_CONTEXT_OPTIONS } from './request-context.interceptor.js';
import { GrpcRequestContextService } from './request-context.service.js';

/** forRoot() options: the propagation options, and whether every handler gets the interceptor. */
export interface RequestContextModuleOptions extends RequestContextOptions {
  /** Bind the interceptor to every handler (default true); false leaves it to @UseInterceptors. */
  globalInterceptor?: boolean;
}

/** Import once, in the root module; the service and interceptor are then injectable everywhere. */
@Global()
@Module({})
export class GrpcRequestContextModule {
  static forRoot(options: RequestContextModuleOptions = {}): DynamicModule {
    const { globalInterceptor = true, ...propagation } = options;
    const shared: Provider[] = [
      { provide: REQUEST_CONTEXT_OPTIONS, useValue: propagation },
      GrpcRequestContextInterceptor,
      GrpcRequestContextService,
    ];
    const bound: Provider[] = globalInterceptor ? [{ provide: APP_INTERCEPTOR, useExisting: GrpcRequestContextInterceptor }] : [];
    return {
      module: GrpcRequestContextModule,
      global: true,
      providers: [...shared, ...bound],
      exports: [REQUEST_CONTEXT_OPTIONS, GrpcRequestContextInterceptor, GrpcRequestContextService],
    };
  }
}
