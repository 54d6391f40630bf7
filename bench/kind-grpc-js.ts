// @grpc/grpc-js as a bench kind, written as its users write it: a Server with callback handlers and
// write()/'drain' backpressure; a generic grpc.Client (one channel) with proto-loader's serializers.
import protoLoader from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import grpc from '@grpc/grpc-js';
import type {
  ClientReadableStream, ClientWritableStream, sendUnaryData, ServerDuplexStream, ServerReadableStream, ServerUnaryCall, ServerWritableStream, ServiceError,
} from '@grpc/grpc-js';
import { addToCount, CHUNK, downloadChunks, LOOPBACK, PROTO_LOADER_OPTIONS, PROTO_PATH, SERVICE_NAME, streamItems, UNARY_REQUEST } from './bench-proto.js';
import type { Chunk, Count, DownloadRequest, Msg, StreamRequest } from './bench-proto.js';
import type { BenchClient, RunningServer } from './kinds.js';

export async function startGrpcJsServer(): Promise<RunningServer> {
  const server = new grpc.Server();
  server.addService(loadGrpcJsService(), {
    Unary: (call: ServerUnaryCall<Msg, Msg>, callback: sendUnaryData<Msg>) => callback(null, call.request),
    ServerStream: (call: ServerWritableStream<StreamRequest, Msg>) => void writeAll(call, streamItems(call.request.count)),
    ClientStream: countAll,
    Bidi: (call: ServerDuplexStream<Msg, Msg>) => {
      call.on('data', (message: Msg) => call.write(message));
      call.on('end', () => call.end());
    },
    Download: (call: ServerWritableStream<DownloadRequest, Chunk>) => void writeAll(call, downloadChunks(call.request.size)),
    Upload: countAll,
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${LOOPBACK}:0`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    port,
    stop: () => {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}

function countAll(call: ServerReadableStream<Partial<Chunk>, Count>, callback: sendUnaryData<Count>): void {
  const count: Count = { messages: 0, bytes: 0 };
  call.on('data', (message: Partial<Chunk>) => addToCount(count, message));
  call.on('end', () => callback(null, count));
}

/** Writes every value, waiting for 'drain' whenever the stream's buffer is full. */
async function writeAll<T>(call: ServerWritableStream<unknown, T>, values: Iterable<T>): Promise<void> {
  for (const value of values) {
    if (call.cancelled) return;
    if (!call.write(value)) await new Promise((resolve) => call.once('drain', resolve));
  }
  call.end();
}

export function connectGrpcJsClient(address: string, serviceConfig?: string): BenchClient {
  const service = loadGrpcJsService();
  const unary = grpcJsMethod<Msg, Msg>(service, 'Unary');
  const stream = grpcJsMethod<StreamRequest, Msg>(service, 'ServerStream');
  const download = grpcJsMethod<DownloadRequest, Chunk>(service, 'Download');
  const upload = grpcJsMethod<Chunk, Count>(service, 'Upload');
  const clientStream = grpcJsMethod<Msg, Count>(service, 'ClientStream');
  const bidi = grpcJsMethod<Msg, Msg>(service, 'Bidi');
  const client = new grpc.Client(address, grpc.credentials.createInsecure(),
    serviceConfig === undefined ? {} : { 'grpc.service_config': serviceConfig });
  return {
    unary: (request) => new Promise((resolve, reject) => {
      client.makeUnaryRequest(unary.path, unary.requestSerialize, unary.responseDeserialize, request,
        (err: ServiceError | null, reply?: Msg) => (err ? reject(err) : resolve(reply!)));
    }),
    clientStream: (count) => new Promise((resolve, reject) => {
      writeTimes(client.makeClientStreamRequest(clientStream.path, clientStream.requestSerialize, clientStream.responseDeserialize,
        (err: ServiceError | null, reply?: Count) => (err ? reject(err) : resolve(reply!))), UNARY_REQUEST, count);
    }),
    pingPong: (rounds) => new Promise((resolve, reject) => {
      const call = client.makeBidiStreamRequest(bidi.path, bidi.requestSerialize, bidi.responseDeserialize);
      const times: number[] = [];
      let sent = performance.now();
      call.on('data', () => {
        times.push(performance.now() - sent);
        if (times.length === rounds) return call.end();
        sent = performance.now();
        call.write(UNARY_REQUEST);
      });
      call.on('error', reject);
      call.on('end', () => resolve(times));
      call.write(UNARY_REQUEST);
    }),
    serverStream: (count) => consume(
      client.makeServerStreamRequest(stream.path, stream.requestSerialize, stream.responseDeserialize, { count }),
      () => 1),
    download: (size) => consume(
      client.makeServerStreamRequest(download.path, download.requestSerialize, download.responseDeserialize, { size }),
      (chunk) => chunk.data.length),
    upload: (chunks) => new Promise((resolve, reject) => {
      writeTimes(client.makeClientStreamRequest(upload.path, upload.requestSerialize, upload.responseDeserialize,
        (err: ServiceError | null, reply?: Count) => (err ? reject(err) : resolve(reply!))), CHUNK, chunks);
    }),
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}

/** Writes `value` `times` times, waiting for 'drain' whenever the call's buffer is full, then half-closes. */
function writeTimes<T>(call: ClientWritableStream<T>, value: T, times: number): void {
  let sent = 0;
  const writeMore = (): void => {
    while (sent < times) {
      sent++;
      if (!call.write(value)) {
        call.once('drain', writeMore);
        return;
      }
    }
    call.end();
  };
  writeMore();
}

/** Sums `measure` over every message of a response stream. */
function consume<T>(call: ClientReadableStream<T>, measure: (message: T) => number): Promise<number> {
  return new Promise((resolve, reject) => {
    let total = 0;
    call.on('data', (message: T) => { total += measure(message); });
    call.on('error', reject);
    call.on('end', () => resolve(total));
  });
}

/** Loads bench.proto with the same JS shapes our loadProtos gives. */
function loadGrpcJsService(): ServiceDefinition {
  const definition = protoLoader.loadSync(PROTO_PATH, PROTO_LOADER_OPTIONS)[SERVICE_NAME];
  // Message and enum definitions carry a `format`; a service is a plain map of methods.
  if (definition === undefined || 'format' in definition) throw new Error(`${SERVICE_NAME} is not a service in ${PROTO_PATH}`);
  return definition;
}

/** One method of the service, typed by the caller at this boundary. */
function grpcJsMethod<Req, Res>(service: ServiceDefinition, name: string): MethodDefinition<Req, Res> {
  const method = service[name];
  if (method === undefined) throw new Error(`${SERVICE_NAME} has no method ${name}`);
  return method as MethodDefinition<unknown, unknown> as MethodDefinition<Req, Res>;
}
