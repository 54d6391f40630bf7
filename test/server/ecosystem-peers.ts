// Services written for grpc-js as a user's app has them: grpc-health-check, @grpc/reflection and a hand-written
// four-shape implementation, added to a server the grpc-js way (`server.addService(definition, implementation)`),
// and the grpc-js client calls that observe them. The same setup runs on a grpc-js server and on ours.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as HEALTH_PROTO } from 'grpc-health-check';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What grpc-health-check and @grpc/reflection call on the server they are given. */
export interface ServiceRegistry {
  addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void;
}

const REFLECTION_PROTO = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '../proto/grpc/reflection/v1/reflection.proto');
const CLIENT_LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** Health (SERVING for '' and 'servertest.Shapes') and reflection over `pkg`, added as their READMEs show. */
export function addEcosystemServices(server: ServiceRegistry, pkg: protoLoader.PackageDefinition): HealthImplementation {
  const health = new HealthImplementation({ '': 'SERVING', 'servertest.Shapes': 'SERVING' });
  // Both packages type their parameter as grpc-js's Server; they call only addService.
  health.addToServer(server as grpc.Server);
  new ReflectionService(pkg).addToServer(server as grpc.Server);
  return health;
}

type Unary = (request: object, callback: (error: grpc.ServiceError | null, response?: Record<string, unknown>) => void) => void;
type HealthClient = grpc.Client & { check: Unary; watch(request: object): grpc.ClientReadableStream<{ status: string }> };
type ReflectionClient = grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Record<string, unknown>> };

const HealthCtor = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, CLIENT_LOADER))['grpc']!;
const ReflectionCtor = grpc.loadPackageDefinition(protoLoader.loadSync(REFLECTION_PROTO, CLIENT_LOADER))['grpc']!;

function constructorAt(root: unknown, path: string): grpc.ServiceClientConstructor {
  return path.split('.').reduce((node, key) => (node as Record<string, unknown>)[key], root) as grpc.ServiceClientConstructor;
}

/** A Check's outcome: the status name, or the error's code and details. */
export function check(address: string, service: string, credentials = grpc.credentials.createInsecure()): Promise<unknown> {
  const client = new (constructorAt(HealthCtor, 'health.v1.Health'))(address, credentials) as unknown as HealthClient;
  return new Promise((resolve) => client.check({ service }, (error, response) => {
    client.close();
    resolve(error === null ? response : { code: error.code, details: error.details });
  }));
}

/** The first `count` Watch messages for `service`, then the call is cancelled. */
export function watch(address: string, service: string, count: number, health?: HealthImplementation, next?: string): Promise<string[]> {
  const client = new (constructorAt(HealthCtor, 'health.v1.Health'))(address, grpc.credentials.createInsecure()) as unknown as HealthClient;
  const call = client.watch({ service });
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    call.on('data', (message: { status: string }) => {
      seen.push(message.status);
      if (seen.length === 1 && next !== undefined) health?.setStatus(service, next as 'SERVING');
      if (seen.length === count) {
        call.cancel();
        client.close();
        resolve(seen);
      }
    });
    call.on('error', (error: grpc.ServiceError) => {
      client.close();
      if (error.code !== grpc.status.CANCELLED) reject(error);
    });
  });
}

/** The responses to `requests` sent on one ServerReflectionInfo stream, which is then half-closed. */
export function reflect(address: string, requests: object[]): Promise<Array<Record<string, unknown>>> {
  const client = new (constructorAt(ReflectionCtor, 'reflection.v1.ServerReflection'))(address, grpc.credentials.createInsecure()) as unknown as ReflectionClient;
  const call = client.ServerReflectionInfo();
  const responses: Array<Record<string, unknown>> = [];
  return new Promise((resolve, reject) => {
    call.on('data', (response: Record<string, unknown>) => responses.push(response));
    call.on('error', (error) => { client.close(); reject(error); });
    call.on('end', () => { client.close(); resolve(responses); });
    for (const request of requests) call.write(request);
    call.end();
  });
}

/** Starts a grpc-js server with `setup` applied; returns its address and a stop function. */
export async function startGrpcJsServer(setup: (server: ServiceRegistry) => void): Promise<{ address: string; stop(): void }> {
  const server = new grpc.Server();
  setup(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}
