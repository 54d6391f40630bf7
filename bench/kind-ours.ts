// Our stack as a bench kind: GrpcServer with handlers that return iterables (HTTP/2 flow control
// paces them), and GrpcClient through its stub: .promise() for unary answers, Observables for streams.
import { lastValueFrom, reduce, Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient } from '../lib/client/grpc-client.js';
import type { StubMethod, UnaryResponseStubMethod } from '../lib/client/stub.js';
import { loadProtos } from '../lib/schema/load-protos.js';
import { GrpcServer } from '../lib/server/grpc-server.js';
import type { ServerOptions } from '../lib/server/grpc-server.js';
import type { ClientOptions } from '../lib/client/client-options.js';
import { addToCount, CHUNK, downloadChunks, LOOPBACK, PROTO_PATH, SERVICE_NAME, streamItems, UNARY_REQUEST } from './bench-proto.js';
import type { Chunk, Count, DownloadRequest, Msg, StreamRequest } from './bench-proto.js';
import type { BenchClient, RunningServer } from './kinds.js';

export async function startOursServer(options: ServerOptions = {}): Promise<RunningServer> {
  const schema = loadProtos(PROTO_PATH);
  const server = new GrpcServer(options);
  const countAll = (requests: unknown) => (requests as Observable<Partial<Chunk>>)
    .pipe(reduce(addToCount, { messages: 0, bytes: 0 }));
  server.addService(schema.service(SERVICE_NAME), {
    Unary: (request) => request,
    ServerStream: (request) => streamItems((request as StreamRequest).count),
    ClientStream: countAll,
    Bidi: (requests) => requests,
    Download: (request) => downloadChunks((request as DownloadRequest).size),
    Upload: countAll,
  });
  const port = await server.listen(`${LOOPBACK}:0`);
  return { port, stop: () => server.close({ force: true }) };
}

interface BenchStub {
  Unary: UnaryResponseStubMethod<Msg, Msg>;
  ClientStream: UnaryResponseStubMethod<Msg, Count>;
  Bidi: StubMethod<Msg, Msg>;
  ServerStream: StubMethod<StreamRequest, Msg>;
  Download: StubMethod<DownloadRequest, Chunk>;
  Upload: UnaryResponseStubMethod<Chunk, Count>;
}

export function connectOursClient(address: string, serviceConfig?: string, options: ClientOptions = {}): BenchClient {
  const client = new GrpcClient(address, serviceConfig === undefined ? options : { ...options, serviceConfig });
  const stub = client.getService<BenchStub>(loadProtos(PROTO_PATH).service(SERVICE_NAME));
  return {
    unary: (request) => stub.Unary.promise(request),
    clientStream: (count) => stub.ClientStream.promise(repeat(UNARY_REQUEST, count)),
    pingPong: (rounds) => pingPong(stub.Bidi, rounds),
    serverStream: (count) => lastValueFrom(stub.ServerStream({ count }).pipe(reduce((n) => n + 1, 0))),
    download: (size) => lastValueFrom(stub.Download({ size }).pipe(reduce((n, chunk) => n + chunk.data.length, 0))),
    // A generator: the client pulls the next chunk only when the stream has room.
    upload: (chunks) => stub.Upload.promise(repeat(CHUNK, chunks)),
    close: () => client.close(),
  };
}

/** Sends the next request only when the previous one's echo arrived, timing each round trip. */
function pingPong(bidi: StubMethod<Msg, Msg>, rounds: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const requests = new Subject<Msg>();
    const times: number[] = [];
    let sent = performance.now();
    bidi(requests).subscribe({
      next: () => {
        times.push(performance.now() - sent);
        if (times.length === rounds) return requests.complete();
        sent = performance.now();
        requests.next(UNARY_REQUEST);
      },
      error: reject,
      complete: () => resolve(times),
    });
    requests.next(UNARY_REQUEST);
  });
}

function* repeat<T>(value: T, times: number): Generator<T> {
  for (let i = 0; i < times; i++) yield value;
}
