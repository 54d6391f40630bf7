// `npm run bench:web [-- --quick]`: unary calls per second over gRPC-Web and Connect (HTTP/1.1 and HTTP/2, via
// connect-node's transports) next to gRPC on the same server, and gRPC on a server with `web` off against one with
// it on, to show the option costs gRPC nothing. Each server runs in its own child process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { create, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { createClient } from '@connectrpc/connect';
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { GrpcClient } from '../lib/client/grpc-client.js';
import type { UnaryResponseStubMethod } from '../lib/client/stub.js';
import { loadProtos, loadRoot } from '../lib/schema/load-protos.js';
import { GrpcServer } from '../lib/server/grpc-server.js';
import { describeProtoFiles } from '../lib/services/reflection/proto-files.js';
import { LOOPBACK, parseFlags, PROTO_PATH, SERVICE_NAME, UNARY_REQUEST } from './bench-proto.js';
import type { Msg } from './bench-proto.js';

const CONCURRENCY = 32;

type Call = () => Promise<Msg>;

/** Calls per second with CONCURRENCY calls in flight, after a warm-up. */
async function rate(call: Call, warmupMs: number, durationMs: number): Promise<number> {
  let done = 0;
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      if ((await call()).id !== UNARY_REQUEST.id) throw new Error('Unary answered the wrong message');
      done++;
    }
  };
  const workers = Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const [startCount, start] = [done, performance.now()];
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const value = ((done - startCount) * 1000) / (performance.now() - start);
  running = false;
  await workers;
  return value;
}

/** Child mode: serve bench.Bench's Unary with `web` on or off, print {"port":N}, stop on SIGTERM. */
async function serve(web: boolean): Promise<void> {
  const server = new GrpcServer({ web });
  server.addMethod(loadProtos(PROTO_PATH).service(SERVICE_NAME).methods.get('Unary')!, (request: never) => request);
  process.stdout.write(`${JSON.stringify({ port: await server.listen(`${LOOPBACK}:0`) })}\n`);
  process.once('SIGTERM', () => void server.close({ force: true }).then(() => process.exit(0)));
}

async function spawnServer(web: boolean): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), `--serve=${web ? 'on' : 'off'}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
  return { port: (JSON.parse(line!) as { port: number }).port, stop: () => child.kill('SIGTERM') };
}

function connectCall(transport: Transport): Call {
  const files = [...describeProtoFiles(loadRoot(PROTO_PATH)).files.values()].map((f) => fromBinary(FileDescriptorProtoSchema, f.encoded));
  const service = createFileRegistry(create(FileDescriptorSetSchema, { file: files })).getService(SERVICE_NAME)!;
  const client = createClient(service, transport) as unknown as { unary(request: Msg): Promise<Msg> };
  return () => client.unary(UNARY_REQUEST);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const serveFlag = flags.get('serve');
  if (serveFlag !== undefined) return serve(serveFlag === 'on');
  const [warmupMs, durationMs] = flags.has('quick') ? [200, 1000] : [1000, 5000];
  const rows: Array<[string, number]> = [];
  for (const web of [false, true]) {
    const server = await spawnServer(web);
    const baseUrl = `http://${LOOPBACK}:${server.port}`;
    const grpc = new GrpcClient(`${LOOPBACK}:${server.port}`);
    const stub = grpc.getService<{ Unary: UnaryResponseStubMethod<Msg, Msg> }>(loadProtos(PROTO_PATH).service(SERVICE_NAME));
    const cases: Array<[string, Call]> = [[`gRPC, our client, web ${web ? 'on' : 'off'}`, () => stub.Unary.promise(UNARY_REQUEST)]];
    if (web) {
      cases.push(['gRPC, connect-node', connectCall(createGrpcTransport({ baseUrl }))]);
      for (const httpVersion of ['2', '1.1'] as const) {
        cases.push([`gRPC-Web, connect-node, HTTP/${httpVersion}`, connectCall(createGrpcWebTransport({ baseUrl, httpVersion }))]);
        cases.push([`Connect proto, connect-node, HTTP/${httpVersion}`, connectCall(createConnectTransport({ baseUrl, httpVersion, useBinaryFormat: true }))]);
        cases.push([`Connect JSON, connect-node, HTTP/${httpVersion}`, connectCall(createConnectTransport({ baseUrl, httpVersion }))]);
      }
    }
    try {
      for (const [name, call] of cases) {
        const value = await rate(call, warmupMs, durationMs);
        process.stderr.write(`${name.padEnd(40)} ${value.toFixed(0)} calls/s\n`);
        rows.push([name, value]);
      }
    } finally {
      grpc.close();
      server.stop();
    }
  }
  process.stdout.write(`\nunary calls/s, ${CONCURRENCY} in flight, ${durationMs} ms after ${warmupMs} ms warm-up\n`
    + rows.map(([name, value]) => `${name.padEnd(40)} ${value.toFixed(0).padStart(8)}`).join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:web failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
