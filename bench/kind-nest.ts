// Our transport under Nest as a bench kind: GrpcTransportStrategy hosted by NestFactory.createMicroservice,
// with a @GrpcHandler controller written as the README shows (iterables for paced streams).
import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { reduce } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcHandler } from '../lib/nest/grpc.decorators.js';
import { GrpcTransportStrategy } from '../lib/nest/server/grpc-transport.strategy.js';
import { addToCount, downloadChunks, freePort, LOOPBACK, PROTO_LOADER_OPTIONS, PROTO_PATH, streamItems } from './bench-proto.js';
import type { Chunk, Count, DownloadRequest, Msg, StreamRequest } from './bench-proto.js';
import type { RunningServer } from './kinds.js';

const SERVICE = 'Bench';

@Controller()
class BenchController {
  @GrpcHandler(SERVICE, 'Unary')
  unary(@Payload() request: Msg): Msg {
    return request;
  }

  @GrpcHandler(SERVICE, 'ServerStream')
  serverStream(@Payload() request: StreamRequest): Iterable<Msg> {
    return streamItems(request.count);
  }

  @GrpcHandler(SERVICE, 'ClientStream')
  clientStream(@Payload() requests: Observable<Partial<Chunk>>): Observable<Count> {
    return requests.pipe(reduce(addToCount, { messages: 0, bytes: 0 }));
  }

  @GrpcHandler(SERVICE, 'Bidi')
  bidi(@Payload() requests: Observable<Msg>): Observable<Msg> {
    return requests;
  }

  @GrpcHandler(SERVICE, 'Download')
  download(@Payload() request: DownloadRequest): Iterable<Chunk> {
    return downloadChunks(request.size);
  }

  @GrpcHandler(SERVICE, 'Upload')
  upload(@Payload() requests: Observable<Partial<Chunk>>): Observable<Count> {
    return requests.pipe(reduce(addToCount, { messages: 0, bytes: 0 }));
  }
}

export async function startNestServer(): Promise<RunningServer> {
  const port = await freePort();
  const strategy = new GrpcTransportStrategy({ url: `${LOOPBACK}:${port}`, package: 'bench', protoPath: PROTO_PATH, loader: PROTO_LOADER_OPTIONS });
  const app = await NestFactory.createMicroservice({ controllers: [BenchController] }, { strategy, logger: false });
  await app.listen();
  return { port, stop: () => app.close() };
}
