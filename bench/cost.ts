// `npm run bench:cost [-- --kinds=ours,nest] [--runs=5] [--only=Unary,ServerStream]`: the server's own CPU time for a
// fixed amount of h2load work (100,000 unary calls, 400,000 streamed messages, three 64 MiB transfers), each kind in a
// pinned child, kinds taking turns in every round, then medians and ratios to the first kind.
// `--clients=ours,grpc-js,floor [--server=ours] [--concurrency=32]`: the same for clients, in this process: its CPU
// time per unary call (30,000 a round) against one server kind, beside the bare node:http2 client (`floor`), with
// the server's CPU time per call in the same rounds (client and server take turns, so calls/s pays for both).
// CPU time per unit of work does not follow the share of the core a server got, so it resolves differences of a few
// percent that throughput on a shared or throttled machine cannot; throughput is printed beside it for reference.
import { loadavg } from 'node:os';
import { parseFlags, UNARY_REQUEST } from './bench-proto.js';
import { connectFloorUnaryClient } from './kind-floor.js';
import { CLIENT_KINDS } from './kinds.js';
import type { BenchClient } from './kinds.js';
import { H2LOAD_WORKLOADS, h2loadVersion, runH2load } from './h2load.js';
import type { H2loadWorkload } from './h2load.js';
import { canPin, pinSelf, spawnServer } from './server.js';
import type { ServerProcess } from './server.js';

const SERVER_CPU = 0;
const LOAD_CPU = 1;
const DEFAULT_KINDS = 'ours,nest,nest-drop-in';
// Requests per timed round: large enough that a round takes seconds, so the 10 ms CPU clock tick is under 1 %.
const REQUESTS: Readonly<Record<string, number>> = { Unary: 100_000, ServerStream: 4_000, Download: 3, Upload: 3 };
const UNIT: Readonly<Record<string, string>> = { Unary: 'call', ServerStream: 'msg', Download: 'MiB', Upload: 'MiB' };
const CLIENT_CALLS = 30_000;

type UnaryClient = Pick<BenchClient, 'unary' | 'close'>;

interface Round { readonly cpuMicros: number; readonly rate: number; readonly serverMicros?: number }

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const kinds = (flags.get('kinds') ?? DEFAULT_KINDS).split(',');
  const runs = Number(flags.get('runs') ?? 5);
  const only = flags.get('only')?.split(',');
  const workloads = H2LOAD_WORKLOADS.filter((w) => only?.includes(w.method) ?? true);
  const version = h2loadVersion();
  if (version === undefined) throw new Error('h2load is not installed (apt-get install -y nghttp2-client)');
  const pin = canPin() && pinSelf(LOAD_CPU);
  const core = (n: number): number | undefined => (pin ? n : undefined);
  process.stdout.write(`${version}; ${pin ? `servers on core ${SERVER_CPU}, h2load on core ${LOAD_CPU}` : 'not pinned'}; `
    + `${runs} rounds per workload; load average ${formatLoad()}\n`);
  const clients = flags.get('clients');
  if (clients !== undefined) {
    return compareClients(clients.split(','), flags.get('server') ?? 'ours', Number(flags.get('concurrency') ?? 32), runs, core(SERVER_CPU));
  }

  const servers: ServerProcess[] = [];
  const rounds = new Map<string, Round[]>();
  try {
    for (const kind of kinds) servers.push(await spawnServer(kind, { cpu: core(SERVER_CPU) }));
    for (const workload of workloads) {
      // An untimed pass first: JIT warm-up, and a check that every kind answers this workload.
      for (const server of servers) runH2load(workload, server.port, { requests: workload.bulk === true ? 1 : REQUESTS[workload.method]! / 10 }, core(LOAD_CPU));
      for (let run = 0; run < runs; run++) {
        for (const server of servers) {
          const round = await measureRound(server, workload, core(LOAD_CPU));
          rounds.set(`${workload.method}|${server.kind}`, [...(rounds.get(`${workload.method}|${server.kind}`) ?? []), round]);
        }
      }
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  process.stdout.write(`load average after: ${formatLoad()}\n`);
  for (const workload of workloads) report(workload, kinds, rounds);
}

async function measureRound(server: ServerProcess, workload: H2loadWorkload, loadCpu: number | undefined): Promise<Round> {
  const requests = REQUESTS[workload.method]!;
  const before = (await server.sample(false)).cpuMs;
  const rate = runH2load(workload, server.port, { requests }, loadCpu);
  const cpuMs = (await server.sample(false)).cpuMs - before;
  return { cpuMicros: (cpuMs * 1000) / (requests * workload.perRequest), rate };
}

function report(workload: H2loadWorkload, kinds: readonly string[], rounds: Map<string, Round[]>): void {
  const unit = UNIT[workload.method]!;
  const base = median(rounds.get(`${workload.method}|${kinds[0]}`)!.map((r) => r.cpuMicros));
  process.stdout.write(`\n${workload.name}: server CPU µs per ${unit} (median; every round), throughput (${workload.unit})\n`);
  for (const kind of kinds) {
    const all = rounds.get(`${workload.method}|${kind}`)!;
    const cpu = median(all.map((r) => r.cpuMicros));
    process.stdout.write(`  ${kind.padEnd(14)} ${cpu.toFixed(2).padStart(9)} µs  ${(cpu / base).toFixed(3)}x of ${kinds[0]}`
      + `  (${all.map((r) => r.cpuMicros.toFixed(2)).join(', ')})   ${median(all.map((r) => r.rate)).toFixed(0).padStart(10)} ${workload.unit}\n`);
  }
}

/** Each client's CPU time per unary call and its calls/s against one server kind, clients taking turns. */
async function compareClients(names: readonly string[], serverKind: string, concurrency: number, runs: number, serverCpu: number | undefined): Promise<void> {
  const server = await spawnServer(serverKind, { cpu: serverCpu });
  const address = `127.0.0.1:${server.port}`;
  const clients = names.map((name): [string, UnaryClient] => [name, name === 'floor' ? connectFloorUnaryClient(address)
    : (CLIENT_KINDS.find((kind) => kind.name === name) ?? unknownClient(name)).connect(address)]);
  const rounds = new Map<string, Round[]>(names.map((name) => [name, []]));
  try {
    for (const [, client] of clients) await unaryRound(client, concurrency, CLIENT_CALLS / 10);
    for (let run = 0; run < runs; run++) {
      for (const [name, client] of clients) {
        const before = (await server.sample(false)).cpuMs;
        const round = await unaryRound(client, concurrency, CLIENT_CALLS);
        const serverMicros = (((await server.sample(false)).cpuMs - before) * 1000) / CLIENT_CALLS;
        rounds.get(name)!.push({ ...round, serverMicros });
      }
    }
  } finally {
    for (const [, client] of clients) await client.close();
    await server.stop();
  }
  const base = median(rounds.get(names[0]!)!.map((r) => r.cpuMicros));
  process.stdout.write(`load average after: ${formatLoad()}\n\nunary c=${concurrency} against ${serverKind}: client CPU µs per call `
    + `(median; every round), calls/s, server CPU µs per call (median)\n`);
  for (const name of names) {
    const all = rounds.get(name)!;
    const cpu = median(all.map((r) => r.cpuMicros));
    process.stdout.write(`  ${name.padEnd(14)} ${cpu.toFixed(1).padStart(8)} µs  ${(cpu / base).toFixed(3)}x of ${names[0]}`
      + `  (${all.map((r) => r.cpuMicros.toFixed(1)).join(', ')})   ${median(all.map((r) => r.rate)).toFixed(0).padStart(8)} calls/s`
      + `   server ${median(all.map((r) => r.serverMicros ?? 0)).toFixed(1).padStart(6)} µs\n`);
  }
}

/** `calls` unary calls, `concurrency` at a time; this process's CPU time (every thread) per call. */
async function unaryRound(client: UnaryClient, concurrency: number, calls: number): Promise<Round> {
  let left = calls;
  const worker = async (): Promise<void> => {
    while (left-- > 0) await client.unary(UNARY_REQUEST);
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return { cpuMicros: (used.user + used.system) / calls, rate: (calls * 1000) / (performance.now() - started) };
}

function unknownClient(name: string): never {
  throw new Error(`No client kind "${name}": ${['floor', ...CLIENT_KINDS.map((kind) => kind.name)].join(', ')}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function formatLoad(): string {
  return loadavg().map((n) => n.toFixed(2)).join(' ');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
