// A provider with the gRPC client injected: calls all four patterns with metadata and a timeout.
import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClientProxy, InjectGrpcClient, Metadata } from '../lib/nest/index.js';
import type { ExampleReply, ExampleService } from './example.types.js';

export const EXAMPLE_CLIENT = 'EXAMPLE_CLIENT';

@Injectable()
export class ExampleCaller implements OnModuleInit {
  private example!: ExampleService;

  constructor(@InjectGrpcClient(EXAMPLE_CLIENT) private readonly client: GrpcClientProxy) {}

  onModuleInit(): void {
    this.example = this.client.getService<ExampleService>('example');
  }

  /** Each pattern once; returns what came back, in call order. */
  async callAll(): Promise<Array<[string, unknown]>> {
    const metadata = new Metadata({ 'x-caller': 'sample' });
    const options = { timeout: 5000 };
    let trailers: Record<string, unknown> = {};
    const unary = await lastValueFrom(this.example.unary_unary({ value: 'A', multiplier: 3 }, metadata, {
      ...options,
      onStatus: (status) => { trailers = status.metadata.getMap(); },
    }));
    const stream = (source: Observable<ExampleReply>): Promise<ExampleReply[]> => lastValueFrom(source.pipe(toArray()));
    return [
      ['unary_unary', unary],
      ['  trailers', trailers],
      ['unary_stream', await stream(this.example.unary_stream({ value: 'B', multiplier: 2 }, metadata, options))],
      ['stream_unary', await lastValueFrom(this.example.stream_unary(from([{ value: 'C', multiplier: 1 }, { value: 'D', multiplier: 2 }]), metadata, options))],
      ['stream_stream', await stream(this.example.stream_stream(from([{ value: 'E', multiplier: 1 }, { value: 'F', multiplier: 3 }]), metadata, options))],
    ];
  }
}
