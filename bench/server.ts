// One server kind per child process. Run as `node dist/bench/server.js --kind=ours` it starts the kind,
// prints {"port":N}, answers 'sample'/'settle' lines on stdin with its memory and CPU time, and stops on SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './bench-proto.js';
import { pickKinds, SERVER_KINDS } from './kinds.js';

const SERVER_SCRIPT = fileURLToPath(import.meta.url);

/** The server process's memory in bytes, and the CPU time it has used in ms. */
export interface ServerSample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly cpuMs: number;
}

export interface ServerProcess {
  readonly kind: string;
  readonly port: number;
  /** The server's memory and CPU time now; `settle` runs a full GC first, so what is left is what is retained. */
  sample(settle: boolean): Promise<ServerSample>;
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
  const profile = options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`];
  const [command, args] = pinned(options.cpu, process.execPath, ['--expose-gc', ...profile, SERVER_SCRIPT, `--kind=${kind}`]);
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = readLines(child, kind);
  const port = (await lines.next()).port;
  if (typeof port !== 'number') throw new Error(`Server kind "${kind}" did not print its port`);
  return {
    kind,
    port,
    sample: async (settle) => {
      child.stdin!.write(settle ? 'settle\n' : 'sample\n');
      const { rss, heapUsed, cpuMs } = await lines.next();
      return { rss: Number(rss), heapUsed: Number(heapUsed), cpuMs: Number(cpuMs) };
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child's stdout as a queue of JSON lines; next() rejects once it exits with nothing left. */
function readLines(child: ChildProcess, kind: string): { next(): Promise<Record<string, unknown>> } {
  const ready: Record<string, unknown>[] = [];
  const waiting: { resolve(line: Record<string, unknown>): void; reject(err: Error): void }[] = [];
  let exit: Error | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const waiter = waiting.shift();
    if (waiter === undefined) ready.push(parsed);
    else waiter.resolve(parsed);
  });
  child.once('exit', (code) => {
    exit = new Error(`Server kind "${kind}" exited with code ${code}`);
    for (const waiter of waiting.splice(0)) waiter.reject(exit);
  });
  return {
    next: () => {
      const line = ready.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (exit !== undefined) return Promise.reject(exit);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
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
  const commands = createInterface({ input: process.stdin });
  // The bench died without stopping us (a broken pipe, say): do not linger as an orphan.
  commands.once('close', () => process.exit(0));
  commands.on('line', (command) => {
    // Two full collections: the first may only queue finalizers that free more on the second.
    if (command === 'settle') for (let i = 0; i < 2; i++) globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ rss, heapUsed, cpuMs: (user + system) / 1000 })}\n`);
  });
}

if (process.argv[1] === SERVER_SCRIPT) {
  serveKind().catch((err: unknown) => {
    process.stderr.write(`bench server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
