// Child-process entry: one server of the equivalence matrix (ours, nest or grpc-js) serving the example service,
// so an attack test can read the server's own memory and handles over IPC without its own allocations mixed in.
import { Recorder } from '../equivalence/recorder.js';
import { createExampleService } from '../equivalence/example-service.js';
import { servers } from '../equivalence/servers.js';
import type { ChildReply, ChildRequest, ServerUsage } from './server-process.js';

const send = (reply: ChildReply): void => {
  process.send?.(reply);
};

// Anything thrown out of the server is the failure under test: report it, then die as an unhandled throw would.
process.on('uncaughtException', (err) => {
  send({ type: 'fatal', message: err.stack ?? String(err) });
  process.exit(70);
});

function usage(): ServerUsage {
  // Started with --expose-gc: collect twice so garbage from earlier calls is not counted as held memory.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    handles: process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout' && kind !== 'Immediate'),
  };
}

const entry = servers.find((candidate) => candidate.name === process.argv[2]);
if (entry === undefined) throw new Error(`unknown server kind ${process.argv[2]}`);
const running = await entry.start(createExampleService(new Recorder()));
process.on('message', (request: ChildRequest) => {
  if (request.type === 'usage') {
    send({ type: 'usage', usage: usage() });
  } else {
    void running.stop().then(() => process.disconnect());
  }
});
send({ type: 'listening', address: running.address });
