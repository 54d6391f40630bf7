// One server kind per child process. Run as `node dist/bench/server.js --kind=ours` it starts the kind,
// prints {"port":N} and stops on SIGTERM (so --cpu-prof can write); imported, it spawns such children.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './bench-proto.js';
import { pickKinds, SERVER_KINDS } from './kinds.js';

const SERVER_SCRIPT = fileURLToPath(import.meta.url);

export interface ServerProcess {
  readonly kind: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Core to pin the server to with taskset; undefined runs it unpinned. */
  cpu?: number;
  /** Directory for a V8 CPU profile of the server (node --cpu-prof). */
  profileDir?: string;
}

/** True when taskset exists, works here, and there are at least two cores to split. */
export function canPin(): boolean {
  return availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/** Pins every thread of this process to `cpu`; false when taskset refuses. */
export function pinSelf(cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Prefixes a command with `taskset -c cpu` when a core is given. */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  return cpu === undefined ? [command, args] : ['taskset', ['-c', String(cpu), command, ...args]];
}

export async function spawnServer(kind: string, options: SpawnOptions = {}): Promise<ServerProcess> {
  const nodeArgs = options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`];
  const [command, args] = pinned(options.cpu, process.execPath, [...nodeArgs, SERVER_SCRIPT, `--kind=${kind}`]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await readPort(child, kind);
  return {
    kind,
    port,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readPort(child: ChildProcess, kind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once('exit', (code) => reject(new Error(`Server kind "${kind}" exited with code ${code} before listening`)));
    lines.once('line', (line) => {
      const parsed: unknown = JSON.parse(line);
      const port = (parsed as { port?: unknown }).port;
      if (typeof port === 'number') resolve(port);
      else reject(new Error(`Server kind "${kind}" printed "${line}" instead of its port`));
    });
  });
}

async function serveKind(): Promise<void> {
  const [kind] = pickKinds(SERVER_KINDS, parseFlags(process.argv.slice(2)).get('kind') ?? 'ours');
  const server = await kind!.start();
  process.once('SIGTERM', () => {
    void server.stop().finally(() => process.exit(0));
    // A server that does not close promptly must not hang the bench.
    setTimeout(() => process.exit(0), 2000).unref();
  });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
}

if (process.argv[1] === SERVER_SCRIPT) {
  serveKind().catch((err: unknown) => {
    process.stderr.write(`bench server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
