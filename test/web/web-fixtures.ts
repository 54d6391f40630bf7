// The web tests' service, server and client-side message types: webtest.Echo served by GrpcServer with `web`
// on, and @bufbuild/protobuf descriptors built at run time from the same .proto (no protoc), for connect-es.
import { fileURLToPath } from 'node:url';
import { create, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import type { DescService } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import type { CallOptions, Transport } from '@connectrpc/connect';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import type { FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { map, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { packDetail } from '../../lib/protocol/status-details.js';
import type { Status } from '../../lib/protocol/status.js';
import { loadProtos, loadRoot } from '../../lib/schema/load-protos.js';
import type { CallContext, ServerHandler } from '../../lib/server/call-context.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import type { ServerOptions } from '../../lib/server/grpc-server.js';
import { describeProtoFiles } from '../../lib/services/reflection/proto-files.js';

export const PROTO = fileURLToPath(new URL('../../../test/web/protos/webtest.proto', import.meta.url));
const echo = loadProtos(PROTO).service('webtest.Echo');

/** The request as our handlers see it (proto-loader's shape: int64 as strings, bytes as Buffers). */
export interface EchoRequest { text: string; big: string; blob: Buffer; count: number; fail_code: number; sleep_ms: number }

/** What the handlers saw, for assertions on cancellation and deadlines. */
export interface Observed { cancelled: string[]; deadlines: Array<number | undefined>; peers: string[] }

function reply(request: EchoRequest, context: CallContext, index: number): object {
  const echoed = context.metadata.get('x-echo')[0];
  return { text: request.text, big: request.big, blob: request.blob, index, echoed_header: typeof echoed === 'string' ? echoed : '' };
}

/** The error a request with fail_code gets: its code, a fixed message, an ErrorInfo detail and a trailer. */
export function failure(code: Status): GrpcError {
  return new GrpcError(code, 'failed on purpose: ünïcode', {
    details: [packDetail('ErrorInfo', { reason: 'ON_PURPOSE', domain: 'webtest', metadata: { k: 'v' } })],
  });
}

async function prepare(request: EchoRequest, context: CallContext, observed: Observed): Promise<void> {
  observed.deadlines.push(context.deadline);
  observed.peers.push(context.peer);
  context.sendMetadata({ 'x-header': 'h', 'x-header-bin': Buffer.from([1, 2, 3]) });
  context.setTrailingMetadata({ 'x-trailer': 't' });
  if (request.sleep_ms > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, request.sleep_ms);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        observed.cancelled.push(context.method.name);
        resolve();
      }, { once: true });
    });
  }
  if (request.fail_code !== 0) throw failure(request.fail_code as Status);
}

/** webtest.Echo's handlers, recording into `observed`. */
export function echoHandlers(observed: Observed): Record<string, ServerHandler> {
  return {
    Unary: (async (request: EchoRequest, context: CallContext) => {
      await prepare(request, context, observed);
      return reply(request, context, 0);
    }) as ServerHandler,
    Lookup: (async (request: EchoRequest, context: CallContext) => {
      await prepare(request, context, observed);
      return reply(request, context, 0);
    }) as ServerHandler,
    ServerStream: (async function* (request: EchoRequest, context: CallContext) {
      await prepare(request, context, observed);
      for (let index = 0; index < request.count; index++) yield reply(request, context, index);
    }) as ServerHandler,
    ClientStream: ((requests: Observable<EchoRequest>, context: CallContext) => requests.pipe(
      toArray(),
      map((all) => ({ text: all.map((r) => r.text).join(','), index: all.length, echoed_header: String(context.metadata.get('x-echo')[0] ?? '') })),
    )) as unknown as ServerHandler,
    Bidi: ((requests: Observable<EchoRequest>) => requests.pipe(
      map((request, index) => ({ text: request.text.toUpperCase(), index })),
    )) as unknown as ServerHandler,
  };
}

/** A running server for the web tests. */
export interface WebHarness {
  readonly server: GrpcServer;
  readonly port: number;
  readonly baseUrl: string;
  readonly observed: Observed;
  close(): Promise<void>;
}

export async function startWebServer(options: ServerOptions = { web: true }): Promise<WebHarness> {
  const observed: Observed = { cancelled: [], deadlines: [], peers: [] };
  const server = new GrpcServer(options);
  server.addService(echo, echoHandlers(observed));
  const port = await server.listen('127.0.0.1:0');
  return { server, port, baseUrl: `http://127.0.0.1:${port}`, observed, close: () => server.close({ force: true }) };
}

/** webtest.proto's FileDescriptorProtos, as our reflection service builds them (json_name filled in). */
export function echoFileDescriptors(): FileDescriptorProto[] {
  const files = [...describeProtoFiles(loadRoot(PROTO)).files.values()].map((file) => fromBinary(FileDescriptorProtoSchema, file.encoded));
  // protoc always fills json_name and @bufbuild/protobuf's registry relies on it (an unset one reads as "");
  // our reflection descriptors leave it unset, so it is filled in here with protoc's lowerCamelCase.
  for (const file of files) {
    for (const message of file.messageType) {
      for (const field of message.field) if (field.jsonName === '') field.jsonName = field.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    }
  }
  return files;
}

/** webtest.Echo for connect-es, from echoFileDescriptors. */
export function echoServiceDescriptor(): DescService {
  const files = echoFileDescriptors();
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
  const service = registry.getService('webtest.Echo');
  if (service === undefined) throw new Error('webtest.Echo missing from the registry');
  return service;
}

/** webtest.EchoRequest as connect-es takes it (lowerCamelCase, int64 as bigint). */
export interface ClientEchoRequest { text?: string; big?: bigint; blob?: Uint8Array; count?: number; failCode?: number; sleepMs?: number }
/** webtest.EchoResponse as connect-es gives it. */
export interface ClientEchoResponse { text: string; big: bigint; blob: Uint8Array; index: number; echoedHeader: string }

/** A connect-es client of webtest.Echo, typed by hand: the service is built at run time, not generated. */
export interface EchoClient {
  unary(request: ClientEchoRequest, options?: CallOptions): Promise<ClientEchoResponse>;
  serverStream(request: ClientEchoRequest, options?: CallOptions): AsyncIterable<ClientEchoResponse>;
  clientStream(requests: AsyncIterable<ClientEchoRequest>, options?: CallOptions): Promise<ClientEchoResponse>;
  bidi(requests: AsyncIterable<ClientEchoRequest>, options?: CallOptions): AsyncIterable<ClientEchoResponse>;
}

const EchoService = echoServiceDescriptor();

export function echoClient(transport: Transport): EchoClient {
  return createClient(EchoService, transport) as unknown as EchoClient;
}
