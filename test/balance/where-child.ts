// A Where server in its own process, so a test can SIGKILL it: argv name host port; prints the port once listening.
// On SIGUSR2 it stops answering: it prints `answered N` (the calls it answered), then `holding` at the first call it
// holds, so the test can kill it when no reply of its is half sent.

import { startWhereServer } from './where-server.js';

const [name = 'child', host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const server = await startWhereServer(name, host, Number(port));
process.once('SIGUSR2', () => {
  let told = false;
  server.behaviour.hold = () => {
    if (!told) process.stdout.write('holding\n');
    told = true;
  };
  // No delay is set in this process: every call that reached the handler before now was answered at once.
  process.stdout.write(`answered ${server.calls.length}\n`);
});
process.stdout.write(`${server.port}\n`);
