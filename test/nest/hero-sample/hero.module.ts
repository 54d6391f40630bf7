// Nest's sample/04-grpc hero.module.ts and app.module.ts: the client registered from the shared options object.
// A function of that object here, so that one test process builds the app for each transport.
import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import type { GrpcOptions } from '@nestjs/microservices';
import type { GrpcTransportConfig } from '../../../lib/nest/grpc-transport.js';
import { HeroController } from './hero.controller.js';
import { ProbeController } from './probe.controller.js';

@Module({})
export class AppModule {
  static register(grpcClientOptions: GrpcOptions | GrpcTransportConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ClientsModule.register([{ name: 'HERO_PACKAGE', ...grpcClientOptions }])],
      controllers: [HeroController, ProbeController],
    };
  }
}
