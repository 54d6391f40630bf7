// A GrpcServer with test-given handlers, and a grpc-js client (the reference peer) to call it.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import type { ServerOptions } from '../../lib/server/grpc-server.js';
import type { ServerHandler } from '../../lib/server/call-context.js';
import { loadProtos } from '../../lib/schema/load-protos.js';
import { grpcJsChannelCredentials } from '../fixtures/tls.js';
import type { ClientTls } from '../fixtures/tls.js';

export const PROTO = fileURLToPath(new URL('../../../test/server/protos/server.proto', import.meta.url));
export const schema = loadProtos(PROTO);
export const shapes = schema.service('servertest.Shapes');

export interface Item {
  text: string;
  count: number;
  blob: Buffer;
}

type ShapesClient = grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientReadableStream<Item> & grpc.ClientWritableStream<Partial<Item>>>;

const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const ShapesCtor = (grpc.loadPackageDefinition(definition)['servertest'] as grpc.GrpcObject)['Shapes'] as grpc.ServiceClientConstructor;

/** A running server plus a grpc-js client connected to it; `close()` stops both. */
export interface Harness {
  server: GrpcServer;
  port: number;
  client: ShapesClient;
  close(): Promise<void>;
}

/** Starts the server; its grpc-js client connects with `clientTls` when given (then by the name 'localhost'). */
export async function startHarness(handlers: Record<string, ServerHandler>, options?: ServerOptions, clientTls?: ClientTls): Promise<Harness> {
  const server = new GrpcServer(options);
  server.addService(shapes, handlers);
  const port = await server.listen('127.0.0.1:0');
  // Over TLS grpc-js would send the IP as the server name, which Node deprecates with a warning.
  const channelOptions = clientTls === undefined ? {} : { 'grpc.ssl_target_name_override': 'localhost' };
  const client = new ShapesCtor(`127.0.0.1:${port}`, grpcJsChannelCredentials(clientTls), channelOptions) as unknown as ShapesClient;
  return {
    server,
    port,
    client,
    async close() {
      client.close();
      await server.close({ force: true });
    },
  };
}

/** Runs `body` against a harness from `start` (startHarness(...)), closed afterwards whatever happens. */
export async function withHarness<T>(start: Promise<Harness>, body: (harness: Harness) => Promise<T>): Promise<T> {
  const harness = await start;
  try {
    return await body(harness);
  } finally {
    await harness.close();
  }
}

/** Outcome of a unary or client-streaming grpc-js call. */
export interface UnaryOutcome {
  response?: Item;
  error?: grpc.ServiceError;
  headers?: grpc.Metadata;
  status: grpc.StatusObject;
}

export function callUnary(client: ShapesClient, request: Partial<Item>, options: grpc.CallOptions = {}, metadata = new grpc.Metadata()): Promise<UnaryOutcome> {
  return new Promise((resolve) => {
    const outcome: Partial<UnaryOutcome> = {};
    const call = client['Unary']!(request, metadata, options, (error: grpc.ServiceError | null, response?: Item) => {
      if (error !== null) outcome.error = error;
      else outcome.response = response;
    });
    call.on('metadata', (headers: grpc.Metadata) => { outcome.headers = headers; });
    call.on('status', (status: grpc.StatusObject) => {
      // grpc-js delivers the callback before 'status'.
      setImmediate(() => resolve({ ...outcome, status }));
    });
  });
}

/** Outcome of a response-streaming grpc-js call. */
export interface StreamOutcome {
  responses: Item[];
  error?: grpc.ServiceError;
  status: grpc.StatusObject;
}

export function collectStream(call: grpc.ClientReadableStream<Item>): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const responses: Item[] = [];
    let error: grpc.ServiceError | undefined;
    call.on('data', (item: Item) => responses.push(item));
    call.on('error', (err: grpc.ServiceError) => { error = err; });
    call.on('status', (status: grpc.StatusObject) => setImmediate(() => resolve({ responses, error, status })));
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
