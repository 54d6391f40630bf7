// A server in its own process, so its memory can be measured apart from the client's: started by
// server-backpressure.test.ts with fork(); reports its port, then its peak RSS growth, over IPC.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { PROTO, shapes } from '../server/fixtures.js';

/** Which server, and how its handler reads: 'ours-pull' | 'grpc-js-pull'. */
const kind = process.argv[2];
const PER_MESSAGE_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let received = 0;
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);

async function drain(requests: AsyncIterable<unknown>): Promise<void> {
  for await (const request of requests) {
    void request;
    received += 1;
    await sleep(PER_MESSAGE_MS);
  }
}

async function startOurs(): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new GrpcServer();
  server.addService(shapes, {
    ClientStream: async (requests: AsyncIterable<unknown>) => { await drain(requests); return { count: received }; },
    Bidi: async function* (requests: AsyncIterable<unknown>) { await drain(requests); yield { count: received }; },
  });
  const port = await server.listen('127.0.0.1:0');
  return { port, stop: () => server.close({ force: true }) };
}

async function startGrpcJs(): Promise<{ port: number; stop(): Promise<void> }> {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
  const service = ((grpc.loadPackageDefinition(definition)['servertest'] as grpc.GrpcObject)['Shapes'] as grpc.ServiceClientConstructor).service;
  const server = new grpc.Server();
  server.addService(service, {
    ClientStream: (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      drain(call).then(() => callback(null, { count: received }), (err: Error) => callback(err));
    },
    Bidi: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      drain(call).then(() => call.end({ count: received }), (err: Error) => call.destroy(err));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
    (err, bound) => (err === null ? resolve(bound) : reject(err))));
  return { port, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

const server = await (kind === 'grpc-js-pull' ? startGrpcJs() : startOurs());
process.send!({ port: server.port });
process.on('message', (message: string) => {
  if (message === 'report') {
    process.send!({ received, peakGrowth: peak - baseline });
  } else if (message === 'stop') {
    clearInterval(sampler);
    void server.stop().then(() => process.exit(0));
  }
});
