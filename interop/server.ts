// interop:server — grpc.testing.TestService on our Nest transport, for any implementation's interop client.
// Flags as doc/interop-test-descriptions.md "Server": --port=P [--use_tls=false]; plus --host (default 0.0.0.0).
// --use_tls=true serves our test certificate (test/fixtures/tls: localhost, 127.0.0.1, *.test.google.fr).
import { booleanFlag, integerFlag, parseFlags, runProgram } from './flags.js';
import { serverTls } from '../test/fixtures/tls.js';
import { startNestInteropServer } from '../test/interop/test-service.controller.js';

runProgram(async () => {
  const flags = parseFlags(process.argv.slice(2), ['port', 'use_tls', 'host']);
  const port = integerFlag(flags, 'port');
  const host = flags.get('host') ?? '0.0.0.0';
  const server = await startNestInteropServer(host, port, booleanFlag(flags, 'use_tls', false) ? serverTls() : undefined);
  // One line a harness can wait for (and read the port from when --port=0 picked one).
  console.log(`interop server listening on ${host}:${server.port}`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await server.stop();
  return 0;
});
