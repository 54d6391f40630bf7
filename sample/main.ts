// The sample: the example service as a Nest microservice on GrpcTransportStrategy, and a Nest
// application whose injected client calls all four patterns and prints what it gets.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fileURLToPath } from 'node:url';
import { GrpcClientModule, GrpcExceptionFilter, GrpcTransportStrategy } from '../lib/nest/index.js';
import { ExampleCaller, EXAMPLE_CLIENT } from './example.caller.js';
import { ExampleController } from './example.controller.js';

const PROTO = fileURLToPath(new URL('../../sample/protos/example.proto', import.meta.url));
const ADDRESS = process.env['SAMPLE_URL'] ?? '127.0.0.1:50051';
// The message shape of grpc.io's Node examples; without `loader`, proto-loader's defaults apply.
const loader = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

@Module({ controllers: [ExampleController] })
class ExampleServiceModule {}

@Module({
  imports: [GrpcClientModule.register({ name: EXAMPLE_CLIENT, options: { url: ADDRESS, package: 'nameko', protoPath: PROTO, loader } })],
  providers: [ExampleCaller],
})
class CallerModule {}

async function main(): Promise<void> {
  const service = await NestFactory.createMicroservice(ExampleServiceModule, {
    strategy: new GrpcTransportStrategy({ url: ADDRESS, package: 'nameko', protoPath: PROTO, loader }),
    logger: ['error', 'warn'],
  });
  service.useGlobalFilters(new GrpcExceptionFilter());
  await service.listen();
  console.log(`example service listening on ${ADDRESS}`);

  const caller = await NestFactory.createApplicationContext(CallerModule, { logger: ['error', 'warn'] });
  try {
    for (const [method, answer] of await caller.get(ExampleCaller).callAll()) {
      console.log(method.padEnd(13), answer);
    }
  } finally {
    await caller.close();
    await service.close();
  }
}

await main();
