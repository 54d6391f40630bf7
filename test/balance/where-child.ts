// A Where server in its own process, so a test can SIGKILL it: argv name host port; prints the port once listening.

import { startWhereServer } from './where-server.js';

const [name = 'child', host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const server = await startWhereServer(name, host, Number(port));
process.stdout.write(`${server.port}\n`);
