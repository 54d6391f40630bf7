// The reference's example service as a Nest controller: one @GrpcHandler per method, all four patterns.
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { map, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcHandler } from '../lib/nest/index.js';
import type { CallContext } from '../lib/nest/index.js';
import type { ExampleReply, ExampleRequest } from './example.types.js';

const repeat = (request: ExampleRequest): string => request.value.repeat(request.multiplier || 1);

@Controller()
export class ExampleController {
  @GrpcHandler('example', 'unary_unary')
  unaryUnary(@Payload() request: ExampleRequest, @Ctx() context: CallContext): ExampleReply {
    // Metadata in, trailing metadata out: the caller prints both.
    context.setTrailingMetadata({ 'x-served-by': 'example', 'x-caller-was': String(context.metadata.get('x-caller')[0] ?? '') });
    return { message: repeat(request), seqno: 0 };
  }

  @GrpcHandler('example', 'unary_stream')
  async *unaryStream(@Payload() request: ExampleRequest): AsyncGenerator<ExampleReply> {
    yield { message: repeat(request), seqno: 1 };
    yield { message: repeat(request), seqno: 2 };
  }

  @GrpcHandler('example', 'stream_unary')
  streamUnary(@Payload() requests: Observable<ExampleRequest>): Observable<ExampleReply> {
    return requests.pipe(map(repeat), toArray(), map((messages) => ({ message: messages.join(','), seqno: 0 })));
  }

  @GrpcHandler('example', 'stream_stream')
  streamStream(@Payload() requests: Observable<ExampleRequest>): Observable<ExampleReply> {
    return requests.pipe(map((request, index) => ({ message: repeat(request), seqno: index + 1 })));
  }
}
