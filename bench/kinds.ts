// The server and client kinds under test, one registry each. A server kind runs in its own child
// process (server.ts); each kind is one entry.
import type { Count, Msg } from './bench-proto.js';
import { connectGrpcJsClient } from './kind-grpc-js.js';
import { connectOursClient } from './kind-ours.js';
import { connectOursOtelClient } from './kind-otel.js';

/** A server listening on loopback; `stop` ends its connections at once. */
export interface RunningServer {
  readonly port: number;
  stop(): Promise<void>;
}

export interface ServerKind {
  readonly name: string;
  /** One line for the report legend. */
  readonly description: string;
  /** Run only when named (--servers=...): the instrumented kinds stay out of the default table. */
  readonly optIn?: boolean;
  start(): Promise<RunningServer>;
}

/** One connection to a bench server; the workloads check the answers. */
export interface BenchClient {
  unary(request: Msg): Promise<Msg>;
  /** Streams `count` small messages to ClientStream; resolves with the server's Count. */
  clientStream(count: number): Promise<Count>;
  /** `rounds` request/echo round trips on one Bidi call, one message in flight; each round trip's ms. */
  pingPong(rounds: number): Promise<number[]>;
  /** Calls ServerStream(count) and resolves with the number of messages received. */
  serverStream(count: number): Promise<number>;
  /** Calls Download(size) and resolves with the payload bytes received. */
  download(size: number): Promise<number>;
  /** Streams `chunks` 64 KiB messages to Upload, honouring backpressure. */
  upload(chunks: number): Promise<Count>;
  close(): Promise<void>;
}

export interface ClientKind {
  readonly name: string;
  readonly description: string;
  /** Run only when named (--clients=...). */
  readonly optIn?: boolean;
  /**
   * Opens a client of `address` ('host:port', one HTTP/2 connection) as its users would; or of a target such as
   * 'ipv4:a:p,b:p' with a service config (grpc.service_config JSON), one connection per address.
   */
  connect(address: string, serviceConfig?: string): BenchClient;
}

// Imported when started, so a server process loads only its own stack (and its memory is its own).
export const SERVER_KINDS: readonly ServerKind[] = [
  { name: 'floor', description: 'bare node:http2 answering precomputed gRPC frames (what node:http2 allows)',
    start: async () => (await import('./kind-floor.js')).startFloorServer() },
  { name: 'grpc-js', description: '@grpc/grpc-js Server', start: async () => (await import('./kind-grpc-js.js')).startGrpcJsServer() },
  { name: 'ours', description: 'our GrpcServer', start: async () => (await import('./kind-ours.js')).startOursServer() },
  { name: 'nest', description: 'our GrpcTransportStrategy in NestFactory.createMicroservice, @GrpcHandler controller',
    start: async () => (await import('./kind-nest.js')).startNestServer() },
  { name: 'ours-deploy', description: 'our GrpcServer with health, reflection and keepalive (30 s PINGs) on', optIn: true,
    start: async () => (await import('./kind-ours.js')).startOursServer({ health: true, reflection: true, keepaliveTimeMs: 30_000 }) },
  { name: 'ours-otel', description: 'our GrpcServer with telemetry: true (spans and A66 metrics into the SDK)', optIn: true,
    start: async () => (await import('./kind-otel.js')).startOursOtelServer() },
  { name: 'grpc-js-otel', description: '@grpc/grpc-js Server under @opentelemetry/instrumentation-grpc', optIn: true,
    start: async () => (await import('./kind-grpc-js-otel.js')).startGrpcJsOtelServer() },
  { name: 'nest-builtin', description: "Nest's built-in Transport.GRPC (grpc-js), @GrpcMethod/@GrpcStreamMethod controller",
    start: async () => (await import('./kind-nest-builtin.js')).startNestBuiltinServer() },
  { name: 'nest-drop-in', description: "nest-builtin's @GrpcMethod/@GrpcStreamMethod controller (Observable answers) on our strategy",
    optIn: true, start: async () => (await import('./kind-nest-drop-in.js')).startNestDropInServer() },
];

export const CLIENT_KINDS: readonly ClientKind[] = [
  { name: 'grpc-js', description: '@grpc/grpc-js Client (makeUnaryRequest and friends)', connect: connectGrpcJsClient },
  { name: 'ours', description: 'our GrpcClient stub (.promise(), Observables)', connect: connectOursClient },
  { name: 'ours-otel', description: 'our GrpcClient with telemetry: true', optIn: true, connect: connectOursOtelClient },
];

/** The kinds named in a comma-separated list, all but the opt-in ones without one; throws on an unknown name. */
export function pickKinds<T extends { readonly name: string; readonly optIn?: boolean }>(kinds: readonly T[], names: string | undefined): T[] {
  if (names === undefined) return kinds.filter((kind) => kind.optIn !== true);
  return names.split(',').map((name) => {
    const kind = kinds.find((k) => k.name === name);
    if (kind === undefined) throw new Error(`Unknown kind "${name}" (known: ${kinds.map((k) => k.name).join(', ')})`);
    return kind;
  });
}
