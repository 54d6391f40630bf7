// GrpcHealthModule: makes GrpcHealthService injectable app-wide; the server side is the strategy's `health` option.
import { Global, Module } from '@nestjs/common';
import { GrpcHealthService } from './grpc-health.service.js';

/** Import once, in the root module, next to a GrpcTransportStrategy created with `health: true`. */
@Global()
@Module({ providers: [GrpcHealthService], exports: [GrpcHealthService] })
export class GrpcHealthModule {}
