// The server kinds of the equivalence matrix: one factory signature, (impl) -> { address, stop },
// plus what each server deliberately does differently, so scenarios state it instead of skipping.
import grpc from '@grpc/grpc-js';
import { GrpcServer } from '../../lib/index.js';
import { grpcJsServerCredentials, serverTls } from '../fixtures/tls.js';
import type { ServerTls } from '../fixtures/tls.js';
import { loadGrpcJsService, toGrpcJsHandlers } from './grpc-js-adapter.js';
import type { ExampleImpl } from './example-service.js';
import type { LoaderVariant } from './loader-variants.js';
import { hostExampleInNest } from './nest-adapter.js';
import { loadOurService, toOurHandler } from './our-adapter.js';

/** Receive limit configured on every server and client, so several-MiB messages fit. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export interface RunningServer {
  readonly address: string;   // 'host:port' on loopback
  stop(): Promise<void>;
}
/** Starts a server of `impl`, serving TLS when `tls` is set (with the test certificates), loading as `loader` says. */
export type ServerFactory = (impl: ExampleImpl, tls?: ServerTls, loader?: LoaderVariant) => Promise<RunningServer>;

export interface ServerExpectations {
  /** Whether responses come back compressed when the request was compressed. */
  readonly compressesResponses: boolean;
  /** grpc-message of a handler that throws a plain Error with this message. */
  unknownMessage(thrown: string): string;
  /** Whether that UNKNOWN status carries a google.rpc.DebugInfo with the stack (outside production). */
  readonly sendsDebugInfo: boolean;
}

export interface ServerEntry {
  readonly name: string;
  readonly start: ServerFactory;
  readonly expect: ServerExpectations;
}

const STOP_GRACE_MS = 1000;

async function startGrpcJs(impl: ExampleImpl, tls?: ServerTls, loader?: LoaderVariant): Promise<RunningServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': -1,
  });
  const service = loadGrpcJsService(loader);
  server.addService(service, toGrpcJsHandlers(impl, service));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpcJsServerCredentials(tls), (err, bound) =>
      err ? reject(err) : resolve(bound));
  });
  return {
    address: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => { server.forceShutdown(); resolve(); }, STOP_GRACE_MS);
      server.tryShutdown(() => { clearTimeout(force); resolve(); });
    }),
  };
}

async function startOurs(impl: ExampleImpl, tls?: ServerTls): Promise<RunningServer> {
  const server = new GrpcServer({ maxReceiveMessageLength: MAX_MESSAGE_BYTES, tls: tls === undefined ? undefined : serverTls(tls) });
  const service = loadOurService();
  for (const [name, method] of Object.entries(impl)) {
    const descriptor = service.methods.get(name);
    if (!descriptor) throw new Error(`no method ${name} in the example service`);
    server.addMethod(descriptor, toOurHandler(method));
  }
  const port = await server.listen('127.0.0.1:0');
  // Clients are closed before servers stop, so nothing is left to drain; a second close() cannot
  // escalate a pending graceful one to force, so force from the start.
  return { address: `127.0.0.1:${port}`, stop: () => server.close({ force: true }) };
}

async function startNest(impl: ExampleImpl, tls?: ServerTls, loader?: LoaderVariant): Promise<RunningServer> {
  // GrpcTransportStrategy closes by force unless gracefulShutdown is set, as startOurs stops.
  return hostExampleInNest(impl, MAX_MESSAGE_BYTES, tls === undefined ? undefined : serverTls(tls), loader);
}

export const servers: readonly ServerEntry[] = [
  {
    name: 'grpc-js',
    start: startGrpcJs,
    expect: {
      // server-interceptors.ts serializeMessage: "response compression is currently not supported",
      // the compressed flag is always 0 and the response header says grpc-encoding: identity.
      compressesResponses: false,
      // serverErrorToStatus: a plain Error becomes UNKNOWN with its message as is.
      unknownMessage: (thrown) => thrown,
      sendsDebugInfo: false,
    },
  },
  {
    name: 'ours',
    start: startOurs,
    expect: {
      // As nameko-grpc: the reply uses the request's encoding when the client accepts it.
      compressesResponses: true,
      // As nameko-grpc (API.md): 'Exception calling application: <message>'.
      unknownMessage: (thrown) => `Exception calling application: ${thrown}`,
      sendsDebugInfo: true,
    },
  },
  {
    name: 'nest',
    start: startNest,
    expect: {
      // Our GrpcServer under a Nest microservice with GrpcTransportStrategy and GrpcExceptionFilter global.
      compressesResponses: true,
      unknownMessage: (thrown) => `Exception calling application: ${thrown}`,
      sendsDebugInfo: true,
    },
  },
];
