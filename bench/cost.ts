// `npm run bench:cost [-- --kinds=ours,nest] [--runs=5] [--only=Unary,ServerStream]`: the server's own CPU time for a
// fixed amount of h2load work (100,000 unary calls, 400,000 streamed messages, three 64 MiB transfers), each kind in a
// pinned child, kinds taking turns in every round, then medians and ratios to the first kind.
// CPU time per unit of work does not follow the share of the core a server got, so it resolves differences of a few
// percent that throughput on a shared or throttled machine cannot; throughput is printed beside it for reference.
import { loadavg } from 'node:os';
import { parseFlags } from './bench-proto.js';
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

interface Round { readonly cpuMicros: number; readonly rate: number }

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
