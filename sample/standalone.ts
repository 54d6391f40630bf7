// The sample: the example service on our server, and our standalone client calling all four patterns.
import { fileURLToPath } from 'node:url';
import { lastValueFrom, map, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient, GrpcServer, loadProtos } from '../lib/index.js';
import type { CallContext, StubMethod, UnaryResponseStubMethod } from '../lib/index.js';

interface ExampleRequest { value: string; multiplier: number }
interface ExampleReply { message: string; seqno: number }

interface ExampleStub {
  unary_unary: UnaryResponseStubMethod<ExampleRequest, ExampleReply>;
  unary_stream: StubMethod<ExampleRequest, ExampleReply>;
  stream_unary: UnaryResponseStubMethod<ExampleRequest, ExampleReply>;
  stream_stream: StubMethod<ExampleRequest, ExampleReply>;
}

const PROTO = fileURLToPath(new URL('../../sample/protos/example.proto', import.meta.url));
const repeat = (request: ExampleRequest): string => request.value.repeat(request.multiplier || 1);

const handlers = {
  unary_unary: (request: ExampleRequest, context: CallContext): ExampleReply => {
    context.setTrailingMetadata({ 'x-served-by': 'sample' });
    return { message: repeat(request), seqno: 0 };
  },
  unary_stream: async function* (request: ExampleRequest): AsyncGenerator<ExampleReply> {
    yield { message: repeat(request), seqno: 1 };
    yield { message: repeat(request), seqno: 2 };
  },
  stream_unary: (requests: Observable<ExampleRequest>): Observable<ExampleReply> =>
    requests.pipe(map(repeat), toArray(), map((messages) => ({ message: messages.join(','), seqno: 0 }))),
  stream_stream: (requests: Observable<ExampleRequest>): Observable<ExampleReply> =>
    requests.pipe(map((request, index) => ({ message: repeat(request), seqno: index + 1 }))),
};

async function main(): Promise<void> {
  const schema = loadProtos(PROTO);
  const service = schema.service('nameko.example');

  const server = new GrpcServer();
  server.addService(service, handlers);
  const port = await server.listen('127.0.0.1:0');
  console.log(`server listening on 127.0.0.1:${port}`);

  const client = new GrpcClient(`127.0.0.1:${port}`);
  const example = client.getService<ExampleStub>(service);
  const options = { metadata: { 'x-caller': 'sample' }, timeout: 5000 };
  try {
    console.log('unary_unary  ', await example.unary_unary.promise({ value: 'A', multiplier: 3 }, {
      ...options,
      onStatus: (status) => console.log('  status', status.code, 'trailers', status.metadata.getMap()),
    }));
    console.log('unary_stream ', await lastValueFrom(example.unary_stream({ value: 'B', multiplier: 2 }, options).pipe(toArray())));
    console.log('stream_unary ', await example.stream_unary.promise([{ value: 'C', multiplier: 1 }, { value: 'D', multiplier: 2 }], options));
    console.log('stream_stream', await lastValueFrom(example.stream_stream([{ value: 'E', multiplier: 1 }, { value: 'F', multiplier: 3 }], options).pipe(toArray())));
  } finally {
    await client.close();
    await server.close();
  }
}

await main();
