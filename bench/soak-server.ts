// The soak's server child: starts a bench server kind (kinds.ts), sends {port} over IPC, answers
// 'snapshot' messages with its SoakSnapshot, and exits on 'stop'. Run with --expose-gc so snapshots follow a GC.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './bench-proto.js';
import { pickKinds, SERVER_KINDS } from './kinds.js';
import { snapshot } from './soak-measure.js';
import type { SoakSnapshot } from './soak-measure.js';

const SCRIPT = fileURLToPath(import.meta.url);

export interface SoakServer {
  readonly port: number;
  snapshot(): Promise<SoakSnapshot>;
  stop(): Promise<void>;
}

export async function spawnSoakServer(kind: string): Promise<SoakServer> {
  const child = fork(SCRIPT, [`--kind=${kind}`], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = (await nextMessage(child) as { port: number }).port;
  return {
    port,
    snapshot: async () => {
      child.send('snapshot');
      return await nextMessage(child) as SoakSnapshot;
    },
    stop: async () => {
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function nextMessage(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`soak server exited with code ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

async function serve(): Promise<void> {
  const [kind] = pickKinds(SERVER_KINDS, parseFlags(process.argv.slice(2)).get('kind') ?? 'ours');
  const server = await kind!.start();
  process.on('message', (message) => {
    if (message === 'snapshot') void snapshot().then((taken) => process.send!(taken));
    if (message === 'stop') {
      void server.stop().finally(() => process.exit(0));
      // A server that does not close promptly must not hang the soak.
      setTimeout(() => process.exit(0), 2000).unref();
    }
  });
  // The parent died without stopping us: do not linger as an orphan.
  process.once('disconnect', () => process.exit(0));
  process.send!({ port: server.port });
}

if (process.argv[1] === SCRIPT) {
  serve().catch((err: unknown) => {
    process.stderr.write(`soak server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
