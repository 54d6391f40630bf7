// Nest's built-in Transport.GRPC (over @grpc/grpc-js) as a bench kind: the same service written as its
// users write it, @GrpcMethod and @GrpcStreamMethod returning values and Observables (kind-nest-drop-in reuses it).
import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcMethod, GrpcStreamMethod, Transport } from '@nestjs/microservices';
import { from, reduce } from 'rxjs';
import type { Observable } from 'rxjs';
import { addToCount, downloadChunks, freePort, LOOPBACK, PROTO_LOADER_OPTIONS, PROTO_PATH, streamItems } from './bench-proto.js';
import type { Chunk, Count, DownloadRequest, Msg, StreamRequest } from './bench-proto.js';
import type { RunningServer } from './kinds.js';

const SERVICE = 'Bench';

@Controller()
export class BuiltinBenchController {
  @GrpcMethod(SERVICE, 'Unary')
  unary(request: Msg): Msg {
    return request;
  }

  @GrpcMethod(SERVICE, 'ServerStream')
  serverStream(request: StreamRequest): Observable<Msg> {
    return from(streamItems(request.count));
  }

  @GrpcStreamMethod(SERVICE, 'ClientStream')
  clientStream(requests: Observable<Partial<Chunk>>): Observable<Count> {
    return requests.pipe(reduce(addToCount, { messages: 0, bytes: 0 }));
  }

  @GrpcStreamMethod(SERVICE, 'Bidi')
  bidi(requests: Observable<Msg>): Observable<Msg> {
    return requests;
  }

  @GrpcMethod(SERVICE, 'Download')
  download(request: DownloadRequest): Observable<Chunk> {
    return from(downloadChunks(request.size));
  }

  @GrpcStreamMethod(SERVICE, 'Upload')
  upload(requests: Observable<Partial<Chunk>>): Observable<Count> {
    return requests.pipe(reduce(addToCount, { messages: 0, bytes: 0 }));
  }
}

export async function startNestBuiltinServer(): Promise<RunningServer> {
  const port = await freePort();
  const app = await NestFactory.createMicroservice({ controllers: [BuiltinBenchController] }, {
    transport: Transport.GRPC,
    options: { url: `${LOOPBACK}:${port}`, package: 'bench', protoPath: PROTO_PATH, loader: PROTO_LOADER_OPTIONS },
    logger: false,
  });
  await app.listen();
  return { port, stop: () => app.close() };
}
