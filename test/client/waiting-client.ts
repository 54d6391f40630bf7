// Child process for reconnect.test.ts: waitForReady calls against an address, never closing the client.
// 'release': a call whose deadline passes and a cancelled call; the process must then exit on its own.
// 'hold': one call with no deadline, which must keep the process alive until the parent starts the server.

import { GrpcClient } from '../../lib/client/grpc-client.js';
import { toGrpcError } from '../../lib/protocol/grpc-error.js';
import { statusName } from '../../lib/protocol/status.js';
import { echoService } from './fixtures.js';
import type { EchoStub } from './fixtures.js';

const [address, mode] = process.argv.slice(2);
const client = new GrpcClient(address!, { reconnectBackoff: { initialMs: 20, maxMs: 50 }, waitForReady: true });
const stub = client.getService<EchoStub>(echoService);

if (mode === 'hold') {
  process.stdout.write('waiting\n');
  const reply = await stub.Unary.promise({ text: 'held' });
  process.stdout.write(`reply: ${reply.text}\n`);
} else {
  const late = await stub.Unary.promise({ text: 'late' }, { timeout: 100 })
    .then(() => 'OK', (err: unknown) => statusName(toGrpcError(err).code));
  process.stdout.write(`deadline: ${late}\n`);
  const cancelled = await new Promise<number>((resolve) => {
    const subscription = stub.Unary({ text: 'gone' }, { onStatus: (status) => resolve(status.code) }).subscribe({ error: () => undefined });
    setTimeout(() => subscription.unsubscribe(), 50);
  });
  process.stdout.write(`cancel: ${statusName(cancelled)}\n`);
}
