// Reflection servers on loopback for the same protos: ours (GrpcServer's `reflection` option) and grpc-js with
// @grpc/reflection's ReflectionService; and a raw grpc-js ServerReflectionInfo client, loaded from
// @grpc/reflection's own reflection.proto, that sends one request and reads its one response.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { GrpcServer, loadProtos } from '../../lib/index.js';
import type { ServerOptions } from '../../lib/index.js';

export const PROTO_DIR = fileURLToPath(new URL('../../../test/services/protos', import.meta.url));
export const PROTO_FILES = ['shop/catalog.proto', 'shop/extras.proto'];
export const CATALOG = 'shop.catalog.Catalog';
const LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] };

export interface Item { item_id: string; kind: string; label_values: Record<string, string> }
const getItem = (request: { item_id: string }): Item => ({ item_id: request.item_id, kind: 'BOOK', label_values: { colour: 'red' } });

export interface ReflectionServer {
  readonly address: string;
  stop(): Promise<void>;
}

/** Ours: Catalog with GetItem, reflection on (and whatever `options` adds). */
export async function startOurReflectionServer(options: ServerOptions = { reflection: true }): Promise<ReflectionServer> {
  const server = new GrpcServer(options);
  server.addService(loadProtos(PROTO_FILES, LOADER).service(CATALOG), { GetItem: getItem });
  const port = await server.listen('127.0.0.1:0');
  return { address: `127.0.0.1:${port}`, stop: () => server.close({ force: true }) };
}

/** grpc-js with @grpc/reflection 1.0.4 over the proto-loader definition of the same files. */
export async function startGrpcJsReflectionServer(): Promise<ReflectionServer> {
  const definition = protoLoader.loadSync(PROTO_FILES, LOADER);
  const server = new grpc.Server();
  new ReflectionService(definition).addToServer(server);
  const catalog = (grpc.loadPackageDefinition(definition) as unknown as { shop: { catalog: { Catalog: grpc.ServiceClientConstructor } } }).shop.catalog.Catalog;
  server.addService(catalog.service, {
    GetItem: (call: grpc.ServerUnaryCall<{ item_id: string }, Item>, callback: grpc.sendUnaryData<Item>) => callback(null, getItem(call.request)),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { address: `127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

export interface ReflectionRequest {
  host?: string;
  list_services?: string;
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type: string; extension_number: number };
  all_extension_numbers_of_type?: string;
}
export interface ReflectionResponse {
  message_response: 'list_services_response' | 'file_descriptor_response' | 'all_extension_numbers_response' | 'error_response';
  list_services_response?: { service: Array<{ name: string }> };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  all_extension_numbers_response?: { base_type_name: string; extension_number: number[] };
  error_response?: { error_code: number; error_message: string };
}

type ReflectionCall = grpc.ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
type ReflectionClient = grpc.Client & { ServerReflectionInfo(): ReflectionCall };

const require = createRequire(import.meta.url);
const REFLECTION_PROTO_DIR = join(dirname(require.resolve('@grpc/reflection')), '../proto');

function reflectionClientClass(version: 'v1' | 'v1alpha'): new (address: string, credentials: grpc.ChannelCredentials) => ReflectionClient {
  const definition = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, { ...LOADER, includeDirs: [REFLECTION_PROTO_DIR] });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (address: string, credentials: grpc.ChannelCredentials) => ReflectionClient }> };
  };
  return loaded.grpc.reflection[version]!.ServerReflection;
}

/** Sends each request on one ServerReflectionInfo stream and resolves with the responses, in order. */
export async function reflect(address: string, requests: ReflectionRequest[], version: 'v1' | 'v1alpha' = 'v1'): Promise<ReflectionResponse[]> {
  const Client = reflectionClientClass(version);
  const client = new Client(address, grpc.credentials.createInsecure());
  try {
    const call = client.ServerReflectionInfo();
    const responses: ReflectionResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (response: ReflectionResponse) => responses.push(response));
      call.on('error', reject);
      call.on('end', resolve);
    });
    for (const request of requests) call.write({ host: '', ...request });
    call.end();
    await done;
    return responses;
  } finally {
    client.close();
  }
}
