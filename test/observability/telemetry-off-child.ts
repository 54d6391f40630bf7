// Child process of grpc-js-side-by-side.test.ts: a server and a client without the telemetry option make a call;
// prints which @opentelemetry modules were loaded (none expected).
import { createRequire } from 'node:module';
import { GrpcClient, GrpcServer, loadProtos } from '../../lib/index.js';
import { fileURLToPath } from 'node:url';

const PROTO = fileURLToPath(new URL('../../../test/server/protos/server.proto', import.meta.url));
const shapes = loadProtos(PROTO).service('servertest.Shapes');
const server = new GrpcServer({ accessLog: false });
server.addService(shapes, { Unary: (req: { text: string }) => ({ text: req.text }) });
const port = await server.listen('127.0.0.1:0');
const client = new GrpcClient(`127.0.0.1:${port}`);
const reply = await client.callForResponse(shapes.methods.get('Unary')!, { text: 'hello' }) as { text: string };
await client.close();
await server.close();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@opentelemetry'));
process.stdout.write(JSON.stringify({ reply: reply.text, loaded }));
