// Two health servers on loopback for the same scenarios: ours (GrpcServer's `health` option, serving the example
// service) and grpc-js with grpc-health-check's HealthImplementation; and a grpc-js Health client loaded from
// grpc-health-check's own health.proto, as a Kubernetes gRPC probe or a balancer calls it.
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import healthCheck from 'grpc-health-check';
import { GrpcServer, loadProtos } from '../../lib/index.js';
import type { ServerOptions } from '../../lib/index.js';

export const EXAMPLE_PROTO = fileURLToPath(new URL('../../../test/equivalence/protos/example.proto', import.meta.url));
export const EXAMPLE_SERVICE = 'nameko.example';
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING';

export interface HealthServer {
  readonly address: string;
  setStatus(service: string, status: ServingStatus): void;
  stop(): Promise<void>;
}

/** Ours: the example service with one method, health on; `options` adds to it. */
export async function startOurHealthServer(options: ServerOptions = { health: true }): Promise<HealthServer & { server: GrpcServer }> {
  const server = new GrpcServer(options);
  server.addService(loadProtos(EXAMPLE_PROTO).service(EXAMPLE_SERVICE), { unary_unary: () => ({ message: 'ok' }) });
  const port = await server.listen('127.0.0.1:0');
  return {
    server,
    address: `127.0.0.1:${port}`,
    setStatus: (service, status) => server.health?.setStatus(service, status),
    stop: () => server.close({ force: true }),
  };
}

/** grpc-js with grpc-health-check, given the statuses ours sets by itself once listening. */
export async function startGrpcJsHealthServer(): Promise<HealthServer> {
  const server = new grpc.Server();
  const health = new healthCheck.HealthImplementation({ '': 'SERVING', [EXAMPLE_SERVICE]: 'SERVING' });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    address: `127.0.0.1:${port}`,
    setStatus: (service, status) => health.setStatus(service, status),
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

export interface HealthReply { status: string }
type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;
export interface HealthClient extends grpc.Client {
  Check(request: { service: string }, options: grpc.CallOptions, callback: Callback<HealthReply>): grpc.ClientUnaryCall;
  Watch(request: { service: string }): grpc.ClientReadableStream<HealthReply>;
}

const definition = protoLoader.loadSync(healthCheck.protoPath, { keepCase: true, enums: String, defaults: true });
const HealthClientClass = (grpc.loadPackageDefinition(definition) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => HealthClient } } };
}).grpc.health.v1.Health;

export function healthClient(address: string): HealthClient {
  return new HealthClientClass(address, grpc.credentials.createInsecure());
}

/** Check as a probe does: the status, or the error's code. */
export function check(client: HealthClient, service: string): Promise<string | number> {
  return new Promise((resolve) => {
    client.Check({ service }, { deadline: Date.now() + 5_000 }, (error, reply) => resolve(error !== null ? error.code : reply!.status));
  });
}

/** Reads Watch messages one at a time; `end` resolves with the final status code. */
export function watch(client: HealthClient, service: string): { next(): Promise<string>; cancel(): void; end: Promise<number> } {
  const call = client.Watch({ service });
  const queue: string[] = [];
  const waiting: Array<(status: string) => void> = [];
  call.on('data', (reply: HealthReply) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(reply.status);
    else queue.push(reply.status);
  });
  const end = new Promise<number>((resolve) => {
    call.on('error', (error: grpc.ServiceError) => resolve(error.code));
    call.on('status', (status: grpc.StatusObject) => { if (status.code === grpc.status.OK) resolve(status.code); });
  });
  return {
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    cancel: () => call.cancel(),
    end,
  };
}
