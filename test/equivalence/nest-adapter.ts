// The example service hosted by Nest (GrpcTransportStrategy): a controller whose @GrpcHandler methods pass
// @Payload() and the @Ctx() CallContext to the shared behaviour through our-adapter.ts's handlers.
import 'reflect-metadata';
import { Controller, Inject } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import type { SecureServerOptions } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { CallContext, GrpcServer, ServerHandler } from '../../lib/index.js';
import { GrpcExceptionFilter } from '../../lib/nest/grpc-exception.filter.js';
import { GrpcHandler } from '../../lib/nest/grpc.decorators.js';
import { GrpcTransportStrategy } from '../../lib/nest/server/grpc-transport.strategy.js';
import { PROTO_PATH, SERVICE_NAME as S } from './example-service.js';
import type { ExampleImpl } from './example-service.js';
import { GRPC_IO_LOADER } from './loader-variants.js';
import type { LoaderVariant } from './loader-variants.js';
import { toOurHandler } from './our-adapter.js';

const EXAMPLE_IMPL = Symbol('ExampleImpl');

@Controller()
class ExampleController {
  readonly #handlers: Record<string, ServerHandler>;

  constructor(@Inject(EXAMPLE_IMPL) impl: ExampleImpl) {
    this.#handlers = Object.fromEntries(Object.entries(impl).map(([name, method]) => [name, toOurHandler(method)]));
  }

  #run(name: string, request: unknown, context: CallContext): unknown {
    const handler = this.#handlers[name];
    if (handler === undefined) throw new Error(`no example method ${name}`);
    return handler(request as never, context);
  }

  @GrpcHandler(S, 'unary_unary')
  unaryUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('unary_unary', r, c); }
  @GrpcHandler(S, 'UnaryCamelCase')
  unaryCamelCase(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('UnaryCamelCase', r, c); }
  @GrpcHandler(S, 'unary_stream')
  unaryStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('unary_stream', r, c); }
  @GrpcHandler(S, 'stream_unary')
  streamUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_unary', r, c); }
  @GrpcHandler(S, 'stream_stream')
  streamStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_stream', r, c); }
  @GrpcHandler(S, 'echo_unary')
  echoUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('echo_unary', r, c); }
  @GrpcHandler(S, 'echo_metadata_unary')
  echoMetadataUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('echo_metadata_unary', r, c); }
  @GrpcHandler(S, 'echo_metadata_stream')
  echoMetadataStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('echo_metadata_stream', r, c); }
  @GrpcHandler(S, 'sleep_unary')
  sleepUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('sleep_unary', r, c); }
  @GrpcHandler(S, 'sleep_stream')
  sleepStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('sleep_stream', r, c); }
  @GrpcHandler(S, 'stream_forever')
  streamForever(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_forever', r, c); }
  @GrpcHandler(S, 'stream_unary_sleep')
  streamUnarySleep(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_unary_sleep', r, c); }
  @GrpcHandler(S, 'stream_stream_forever')
  streamStreamForever(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_stream_forever', r, c); }
  @GrpcHandler(S, 'payload_unary')
  payloadUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('payload_unary', r, c); }
  @GrpcHandler(S, 'payload_stream')
  payloadStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('payload_stream', r, c); }
  @GrpcHandler(S, 'first_only_stream')
  firstOnlyStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('first_only_stream', r, c); }
  @GrpcHandler(S, 'fail_unary')
  failUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('fail_unary', r, c); }
  @GrpcHandler(S, 'fail_stream')
  failStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('fail_stream', r, c); }
  @GrpcHandler(S, 'throw_unary')
  throwUnary(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('throw_unary', r, c); }
  @GrpcHandler(S, 'throw_stream')
  throwStream(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('throw_stream', r, c); }
  @GrpcHandler(S, 'unary_error_via_context')
  unaryErrorViaContext(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('unary_error_via_context', r, c); }
  @GrpcHandler(S, 'stream_error_via_context')
  streamErrorViaContext(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_error_via_context', r, c); }
  @GrpcHandler(S, 'unary_grpc_error')
  unaryGrpcError(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('unary_grpc_error', r, c); }
  @GrpcHandler(S, 'stream_grpc_error')
  streamGrpcError(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_grpc_error', r, c); }
  @GrpcHandler(S, 'unary_error_from_exception')
  unaryErrorFromException(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('unary_error_from_exception', r, c); }
  @GrpcHandler(S, 'stream_error_from_exception')
  streamErrorFromException(@Payload() r: unknown, @Ctx() c: CallContext): unknown { return this.#run('stream_error_from_exception', r, c); }
}

/** A Nest microservice serving `impl`, GrpcExceptionFilter global; stop() closes the app. */
export async function hostExampleInNest(impl: ExampleImpl, maxReceiveMessageLength: number, tls?: SecureServerOptions,
  variant: LoaderVariant = GRPC_IO_LOADER): Promise<{ address: string; stop(): Promise<void> }> {
  // The `loader` option as a Nest user gives it; unset (NEST_DEFAULT_LOADER), proto-loader's defaults apply.
  const loader = variant.nest;
  // Port 0, read back once listening: a port probed free beforehand may be taken by then.
  const strategy = new GrpcTransportStrategy({ url: '127.0.0.1:0', protoPath: PROTO_PATH, loader, maxReceiveMessageLength, tls });
  const app = await NestFactory.createMicroservice(
    { controllers: [ExampleController], providers: [{ provide: EXAMPLE_IMPL, useValue: impl }] },
    { strategy, logger: false },
  );
  app.useGlobalFilters(new GrpcExceptionFilter());
  await app.listen();
  const { port } = strategy.unwrap<GrpcServer>().http2Server!.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, stop: () => app.close() };
}
