// The soak's calls, one function per shape, for our GrpcClient and for grpc-js's Client. Each call resolves with
// the status code its caller saw (WRONG_ANSWER when an OK call's answer is not what the server must send).
import { fileURLToPath } from 'node:url';
import protoLoader from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import grpc from '@grpc/grpc-js';
import type { ClientDuplexStream, ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CallOptions } from '../lib/client/call-options.js';
import { GrpcClient } from '../lib/client/grpc-client.js';
import type { StubMethod } from '../lib/client/stub.js';
import { GrpcError } from '../lib/protocol/grpc-error.js';
import { Status } from '../lib/protocol/status.js';
import { loadProtos } from '../lib/schema/load-protos.js';
import { PROTO_LOADER_OPTIONS, SERVICE_NAME, UNARY_REQUEST } from './bench-proto.js';
import type { Count, Msg, StreamRequest } from './bench-proto.js';

/** bench.proto plus Fail, a method no server implements. */
const SOAK_PROTO = fileURLToPath(new URL('../../bench/protos/soak.proto', import.meta.url));
export const WRONG_ANSWER = -1;
/** Messages in an OK stream call, round trips of an OK Bidi call. */
export const STREAM_LENGTH = 10;
/** A stream long enough that a call cancelled after its first message is cancelled mid-call. */
const LONG_STREAM = 1_000_000;
/** The deadline of calls meant to pass it: the server holds their Bidi open, so they never end sooner. */
export const SHORT_DEADLINE_MS = 20;

export type Shape = 'unary' | 'server-stream' | 'client-stream' | 'bidi' | 'cancel-stream' | 'cancel-bidi' | 'deadline' | 'fail';

export interface SoakClient {
  call(shape: Shape): Promise<number>;
  close(): Promise<void>;
}

interface SoakStub {
  Unary: StubMethod<Msg, Msg>;
  ServerStream: StubMethod<StreamRequest, Msg>;
  ClientStream: StubMethod<Msg, Count>;
  Bidi: StubMethod<Msg, Msg>;
  Fail: StubMethod<Msg, Msg>;
}

export function connectOursSoak(address: string): SoakClient {
  const client = new GrpcClient(address);
  const stub = client.getService<SoakStub>(loadProtos(SOAK_PROTO).service(SERVICE_NAME));
  const calls: Record<Shape, () => Promise<number>> = {
    'unary': () => observe(stub.Unary(UNARY_REQUEST), 1),
    'server-stream': () => observe(stub.ServerStream({ count: STREAM_LENGTH }), STREAM_LENGTH),
    'client-stream': () => observe(stub.ClientStream(repeat(UNARY_REQUEST, STREAM_LENGTH)), 1),
    'bidi': () => pingPong(stub.Bidi, STREAM_LENGTH, {}),
    'cancel-stream': () => observe(stub.ServerStream({ count: LONG_STREAM }), LONG_STREAM, true),
    'cancel-bidi': () => pingPong(stub.Bidi, STREAM_LENGTH, {}, true),
    'deadline': () => pingPong(stub.Bidi, Infinity, { timeout: SHORT_DEADLINE_MS }),
    'fail': () => observe(stub.Fail(UNARY_REQUEST), 1),
  };
  return { call: (shape) => calls[shape](), close: () => client.close() };
}

/** Counts the responses; with `cancel`, unsubscribes (cancels the call) on the first one. */
function observe<T>(responses: Observable<T>, expected: number, cancel = false): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const subscription = responses.subscribe({
      next: () => {
        if (++received > 1 || !cancel) return;
        subscription.unsubscribe();
        resolve(Status.CANCELLED);
      },
      error: (err: unknown) => resolve(err instanceof GrpcError ? err.code : WRONG_ANSWER),
      complete: () => resolve(received === expected ? Status.OK : WRONG_ANSWER),
    });
  });
}

/** `rounds` request/echo round trips on one Bidi call, then half-close; with `cancel`, unsubscribes after the first echo. */
function pingPong(bidi: StubMethod<Msg, Msg>, rounds: number, options: CallOptions, cancel = false): Promise<number> {
  const requests = new Subject<Msg>();
  const echoes = bidi(requests, options);
  let received = 0;
  const done = new Promise<number>((resolve) => {
    const subscription = echoes.subscribe({
      next: () => {
        received++;
        if (cancel) {
          subscription.unsubscribe();
          return resolve(Status.CANCELLED);
        }
        if (received === rounds) requests.complete();
        else requests.next(UNARY_REQUEST);
      },
      error: (err: unknown) => resolve(err instanceof GrpcError ? err.code : WRONG_ANSWER),
      complete: () => resolve(received === rounds ? Status.OK : WRONG_ANSWER),
    });
  });
  requests.next(UNARY_REQUEST);
  return done;
}

function* repeat<T>(value: T, times: number): Generator<T> {
  for (let i = 0; i < times; i++) yield value;
}

export function connectGrpcJsSoak(address: string): SoakClient {
  const definition = protoLoader.loadSync(SOAK_PROTO, PROTO_LOADER_OPTIONS)[SERVICE_NAME] as ServiceDefinition;
  const method = <Req, Res>(name: string) => definition[name] as MethodDefinition<unknown, unknown> as MethodDefinition<Req, Res>;
  const unary = method<Msg, Msg>('Unary');
  const fail = method<Msg, Msg>('Fail');
  const stream = method<StreamRequest, Msg>('ServerStream');
  const clientStream = method<Msg, Count>('ClientStream');
  const bidi = method<Msg, Msg>('Bidi');
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const codeOf = (err: ServiceError | null): number => (err === null ? Status.OK : err.code);
  const unaryCall = (path: MethodDefinition<Msg, Msg>): Promise<number> => new Promise((resolve) => {
    client.makeUnaryRequest(path.path, path.requestSerialize, path.responseDeserialize, UNARY_REQUEST, (err) => resolve(codeOf(err)));
  });
  const openBidi = (options: grpc.CallOptions = {}) => client.makeBidiStreamRequest(bidi.path, bidi.requestSerialize, bidi.responseDeserialize, options);
  const calls: Record<Shape, () => Promise<number>> = {
    'unary': () => unaryCall(unary),
    'server-stream': () => consume(client.makeServerStreamRequest(stream.path, stream.requestSerialize, stream.responseDeserialize,
      { count: STREAM_LENGTH }), STREAM_LENGTH),
    'client-stream': () => new Promise((resolve) => {
      const call = client.makeClientStreamRequest(clientStream.path, clientStream.requestSerialize, clientStream.responseDeserialize,
        (err: ServiceError | null, count?: Count) => resolve(err === null && count?.messages !== STREAM_LENGTH ? WRONG_ANSWER : codeOf(err)));
      for (let i = 0; i < STREAM_LENGTH; i++) call.write(UNARY_REQUEST);
      call.end();
    }),
    'bidi': () => echoRounds(openBidi(), STREAM_LENGTH),
    'cancel-stream': () => consume(client.makeServerStreamRequest(stream.path, stream.requestSerialize, stream.responseDeserialize,
      { count: LONG_STREAM }), LONG_STREAM, true),
    'cancel-bidi': () => echoRounds(openBidi(), STREAM_LENGTH, true),
    'deadline': () => echoRounds(openBidi({ deadline: Date.now() + SHORT_DEADLINE_MS }), Infinity),
    'fail': () => unaryCall(fail),
  };
  return {
    call: (shape) => calls[shape](),
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}

/** Counts a response stream's messages; with `cancel`, call.cancel() on the first (its CANCELLED error is the status). */
function consume<T>(call: ClientReadableStream<T>, expected: number, cancel = false): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    call.on('data', () => {
      if (++received === 1 && cancel) call.cancel();
    });
    call.on('error', (err: ServiceError) => resolve(err.code));
    call.on('end', () => resolve(received === expected ? Status.OK : WRONG_ANSWER));
  });
}

function echoRounds(call: ClientDuplexStream<Msg, Msg>, rounds: number, cancel = false): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    call.on('data', () => {
      received++;
      if (cancel) call.cancel();
      else if (received === rounds) call.end();
      else call.write(UNARY_REQUEST);
    });
    call.on('error', (err: ServiceError) => resolve(err.code));
    call.on('end', () => resolve(received === rounds ? Status.OK : WRONG_ANSWER));
    call.write(UNARY_REQUEST);
  });
}
