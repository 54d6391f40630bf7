// TestService served by our Nest transport: a controller of @GrpcHandler methods over test-service.ts, and
// the microservice that hosts it. UnimplementedCall has no handler, so it answers UNIMPLEMENTED.
import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import type { SecureServerOptions } from 'node:http2';
import type { Observable } from 'rxjs';
import { GrpcExceptionFilter } from '../../lib/nest/grpc-exception.filter.js';
import { GrpcHandler } from '../../lib/nest/grpc.decorators.js';
import { GrpcTransportStrategy } from '../../lib/nest/server/grpc-transport.strategy.js';
import type { CallContext } from '../../lib/server/call-context.js';
import type { GrpcServer } from '../../lib/server/grpc-server.js';
import { LOADER_OPTIONS, MAX_MESSAGE_BYTES, TEST_PROTO } from './interop-messages.js';
import type { SimpleRequest, StreamingInputCallRequest, StreamingOutputCallRequest } from './interop-messages.js';
import * as service from './test-service.js';

const S = 'grpc.testing.TestService';

@Controller()
export class TestServiceController {
  @GrpcHandler(S, 'EmptyCall')
  emptyCall(@Payload() request: unknown, @Ctx() ctx: CallContext): unknown {
    return service.emptyCall(request, ctx);
  }

  @GrpcHandler(S, 'UnaryCall')
  unaryCall(@Payload() request: SimpleRequest, @Ctx() ctx: CallContext): unknown {
    return service.unaryCall(request, ctx);
  }

  @GrpcHandler(S, 'CacheableUnaryCall')
  cacheableUnaryCall(@Payload() request: SimpleRequest, @Ctx() ctx: CallContext): unknown {
    return service.cacheableUnaryCall(request, ctx);
  }

  @GrpcHandler(S, 'StreamingOutputCall')
  streamingOutputCall(@Payload() request: StreamingOutputCallRequest, @Ctx() ctx: CallContext): unknown {
    return service.streamingOutputCall(request, ctx);
  }

  @GrpcHandler(S, 'StreamingInputCall')
  streamingInputCall(@Payload() requests: Observable<StreamingInputCallRequest>, @Ctx() ctx: CallContext): unknown {
    return service.streamingInputCall(requests, ctx);
  }

  @GrpcHandler(S, 'FullDuplexCall')
  fullDuplexCall(@Payload() requests: Observable<StreamingOutputCallRequest>, @Ctx() ctx: CallContext): unknown {
    return service.fullDuplexCall(requests, ctx);
  }

  @GrpcHandler(S, 'HalfDuplexCall')
  halfDuplexCall(@Payload() requests: Observable<StreamingOutputCallRequest>, @Ctx() ctx: CallContext): unknown {
    return service.halfDuplexCall(requests, ctx);
  }
}

/** A running interop server: its bound port and how to stop it. */
export interface InteropServer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Hosts TestService as a Nest microservice on `host:port` (0 picks a port), with GrpcExceptionFilter so
 * the GrpcErrors of the compression checks keep their status; over TLS when `tls` is given.
 */
export async function startNestInteropServer(host: string, port: number, tls?: SecureServerOptions): Promise<InteropServer> {
  const strategy = new GrpcTransportStrategy({
    url: `${host}:${port}`,
    protoPath: TEST_PROTO,
    package: 'grpc.testing',
    loader: LOADER_OPTIONS,
    maxReceiveMessageLength: MAX_MESSAGE_BYTES,
    tls,
  });
  const app = await NestFactory.createMicroservice({ controllers: [TestServiceController] }, { strategy, logger: false });
  app.useGlobalFilters(new GrpcExceptionFilter());
  await app.listen();
  const address = strategy.unwrap<GrpcServer>().http2Server?.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return { port: bound, stop: () => app.close() };
}
