// Child process for connection.test.ts: makes calls, never closes the client, and must still exit on its own.

import { GrpcClient } from '../../lib/client/grpc-client.js';
import { echoService } from './fixtures.js';
import type { EchoStub } from './fixtures.js';

const client = new GrpcClient(process.argv[2]);
const stub = client.getService<EchoStub>(echoService);
const reply = await stub.Unary.promise({ text: 'idle' });
await stub.Unary.promise({ text: 'again' }, { timeout: 60_000 });
process.stdout.write(`reply: ${reply.text}\n`);
