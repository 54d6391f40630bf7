// A @grpc/grpc-js server of test/nest/client/protos/routes.proto for the Nest client tests; replies echo the
// request metadata, and every call is recorded (name, metadata, cancelled) for the tests to assert on.

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { encodeRpcStatus, packDetail } from '../../../lib/protocol/status-details.js';

export const ROUTES_PROTO = fileURLToPath(new URL('../../../../test/nest/client/protos/routes.proto', import.meta.url));
export const OTHER_PROTO = fileURLToPath(new URL('../../../../test/nest/client/protos/other.proto', import.meta.url));

export interface Item { name: string; count: number; metadata: Record<string, string> }

/** What the server saw of one call. */
export interface CallRecord {
  readonly method: string;
  readonly name: string;
  readonly metadata: Record<string, string>;
  /** Resolves when the server saw the call cancelled (client RST_STREAM or deadline). */
  readonly cancelled: Promise<void>;
}

export interface RoutesServer {
  readonly address: string;
  readonly calls: CallRecord[];
  stop(): Promise<void>;
}

const definition = protoLoader.loadSync(ROUTES_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
const v1 = (grpc.loadPackageDefinition(definition).nestclient as grpc.GrpcObject).v1 as grpc.GrpcObject;
/** grpc-js's client constructor of the service: its prototype holds the method names Nest's client offers. */
export const RoutesClient = v1.Routes as grpc.ServiceClientConstructor;

type AnyCall = grpc.ServerUnaryCall<Item, Item> | grpc.ServerReadableStream<Item, Item>
  | grpc.ServerWritableStream<Item, Item> | grpc.ServerDuplexStream<Item, Item>;

// -bin values as base64, so one string map shows every key the client sent.
function metadataOf(call: AnyCall): Record<string, string> {
  const seen: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.metadata.getMap())) {
    if (key.startsWith('x-')) seen[key] = Buffer.isBuffer(value) ? value.toString('base64') : String(value);
  }
  return seen;
}

function record(calls: CallRecord[], method: string, name: string, call: AnyCall): Record<string, string> {
  const metadata = metadataOf(call);
  // Every call shape is an EventEmitter with 'cancelled'; the union's overloads just do not line up.
  const emitter = call as grpc.ServerUnaryCall<Item, Item>;
  calls.push({ method, name, metadata, cancelled: new Promise((resolve) => emitter.on('cancelled', () => resolve())) });
  return metadata;
}

function item(name: string, count: number, metadata: Record<string, string> = {}): Item {
  return { name, count, metadata };
}

/** Trailing metadata of a rich failure: a custom key and a google.rpc.Status with an ErrorInfo detail. */
function richTrailers(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-reason', 'quota');
  const details = [packDetail('ErrorInfo', { reason: 'QUOTA', domain: 'routes.test' })];
  metadata.set('grpc-status-details-bin', encodeRpcStatus({ code: grpc.status.INVALID_ARGUMENT, message: 'bad item', details }));
  return metadata;
}

function handlers(calls: CallRecord[]): grpc.UntypedServiceImplementation {
  return {
    GetItem(call: grpc.ServerUnaryCall<Item, Item>, callback: grpc.sendUnaryData<Item>) {
      const metadata = record(calls, 'GetItem', call.request.name, call);
      if (call.request.name === 'missing') callback({ code: grpc.status.NOT_FOUND, details: 'no such item' });
      else if (call.request.name === 'rich') callback({ code: grpc.status.INVALID_ARGUMENT, details: 'bad item', metadata: richTrailers() });
      else callback(null, item(`got ${call.request.name}`, call.request.count, metadata));
    },
    list_items(call: grpc.ServerWritableStream<Item, Item>) {
      record(calls, 'list_items', call.request.name, call);
      const { name, count } = call.request;
      if (count >= 0) {
        for (let i = 0; i < count; i++) call.write(item(`${name}-${i}`, i));
        call.end();
        return;
      }
      // A negative count streams until the client cancels.
      let i = 0;
      const timer = setInterval(() => call.write(item(`${name}-${i}`, i++)), 10);
      call.on('cancelled', () => clearInterval(timer));
    },
    CollectHTTPItems(call: grpc.ServerReadableStream<Item, Item>, callback: grpc.sendUnaryData<Item>) {
      const metadata = record(calls, 'CollectHTTPItems', '', call);
      const names: string[] = [];
      call.on('data', (request: Item) => names.push(request.name));
      call.on('end', () => callback(null, item(names.join(','), names.length, metadata)));
    },
    Chat(call: grpc.ServerDuplexStream<Item, Item>) {
      record(calls, 'Chat', '', call);
      call.on('data', (request: Item) => call.write(item(request.name.toUpperCase(), request.count)));
      call.on('end', () => call.end());
    },
    Sleep(call: grpc.ServerUnaryCall<Item, Item>, callback: grpc.sendUnaryData<Item>) {
      record(calls, 'Sleep', call.request.name, call);
      const timer = setTimeout(() => callback(null, item('awake', call.request.count)), call.request.count);
      call.on('cancelled', () => clearTimeout(timer));
    },
  };
}

/** Listens on 127.0.0.1: on `port` when given (a test that starts the server after the client called), else any. */
export async function startRoutesServer(port = 0): Promise<RoutesServer> {
  const calls: CallRecord[] = [];
  const server = new grpc.Server();
  server.addService(RoutesClient.service, handlers(calls));
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, chosen) => (err ? reject(err) : resolve(chosen)));
  });
  return {
    address: `127.0.0.1:${bound}`,
    calls,
    stop: () => new Promise<void>((resolve) => {
      // Bounded: whatever is still open after a short grace period is cut.
      const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 500);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    }),
  };
}

/** The record of the first call named `name`, waiting for it up to `ms`. */
export async function callNamed(server: RoutesServer, name: string, ms = 2000): Promise<CallRecord> {
  const until = Date.now() + ms;
  for (;;) {
    const found = server.calls.find((call) => call.name === name);
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`the server saw no call named ${name} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
