// `npm run bench [-- --quick] [--servers=a,b] [--clients=a,b] [--only=unary,upload] [--profile[=ours,nest]] [--no-pin] [--no-h2load]`:
// every server kind in a pinned child process, every workload against it, then one table of ratios and the targets.
// `--only=unary round_robin` (or `--only=unary`) includes the balanced workload: three servers per kind, round_robin.
import { LOOPBACK, parseFlags, UNARY_REQUEST } from './bench-proto.js';
import { H2LOAD_WORKLOADS, h2loadVersion, measureH2load, runH2load } from './h2load.js';
import type { H2loadSettings } from './h2load.js';
import { CLIENT_KINDS, pickKinds, SERVER_KINDS } from './kinds.js';
import type { BenchClient } from './kinds.js';
import { MEMORY_KINDS, slowReaderGrowth, unaryRetention } from './memory.js';
import { profileKinds } from './profile.js';
import { formatHeadline, formatTable } from './report.js';
import type { Figure } from './report.js';
import { balancedUnary, BALANCED_WORKLOAD } from './balance.js';
import { canPin, pinSelf, spawnServer } from './server.js';
import type { ServerProcess } from './server.js';
import { formatTargets } from './targets.js';
import { CLIENT_WORKLOADS } from './workloads.js';
import type { Budget, Reading } from './workloads.js';

/** A run's sizes: client workloads, h2load's timed runs, and the memory checks' counts. */
export interface Settings extends Budget { h2load: H2loadSettings; memoryStream: number; memoryCalls: number }

const MIB = 1024 * 1024;
const FULL: Settings = { warmupMs: 300, durationMs: 1000, streamCount: 100_000, bulkBytes: 64 * MIB, repeats: 5, pingPongRounds: 2_000,
  h2load: { warmupMs: 1000, durationMs: 2000, bulkRequests: 4, runs: 3 }, memoryStream: 1_000_000, memoryCalls: 1_000_000 };
const QUICK: Settings = { warmupMs: 100, durationMs: 200, streamCount: 20_000, bulkBytes: 16 * MIB, repeats: 3, pingPongRounds: 500,
  h2load: { warmupMs: 200, durationMs: 500, bulkRequests: 2, runs: 1 }, memoryStream: 100_000, memoryCalls: 30_000 };
const WARM_UP: Budget = { warmupMs: 0, durationMs: 200, streamCount: 5_000, bulkBytes: 4 * MIB, repeats: 1, pingPongRounds: 200 };
const SERVER_CPU = 0;
const LOAD_CPU = 1;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const settings = flags.has('quick') ? QUICK : FULL;
  const servers = pickKinds(SERVER_KINDS, flags.get('servers'));
  const clients = pickKinds(CLIENT_KINDS, flags.get('clients'));
  const pin = !flags.has('no-pin') && canPin() && pinSelf(LOAD_CPU);
  const h2load = flags.has('no-h2load') ? undefined : h2loadVersion();
  const serverCpu = pin ? SERVER_CPU : undefined;
  const loadCpu = pin ? LOAD_CPU : undefined;
  const started = performance.now();
  // --only=unary,upload keeps the workloads whose names start with one of these words.
  const prefixes = flags.get('only')?.split(',');
  const only = (workload: { name: string }): boolean => prefixes?.some((p) => workload.name.startsWith(p)) ?? true;

  const figures: Figure[] = [];
  const record = (driver: string, server: string, readings: readonly Reading[], cpu?: CpuShares): void => {
    for (const r of readings) figures.push(report({ ...r, driver, server, serverCpu: cpu?.server, clientCpu: cpu?.client }));
  };
  for (const server of servers) {
    const child = await spawnServer(server.name, { cpu: serverCpu });
    const address = `${LOOPBACK}:${child.port}`;
    try {
      for (const kind of clients) {
        const client = kind.connect(address);
        // JIT warm-up of each client on the first server, so that server is not measured against cold code.
        if (server === servers[0]) for (const workload of CLIENT_WORKLOADS) await workload.run(client, WARM_UP);
        for (const workload of CLIENT_WORKLOADS.filter(only)) {
          const [readings, cpu] = await withCpu(child, () => measure(() => workload.run(client, settings), workload.name, kind.name, server.name));
          record(kind.name, server.name, readings, cpu);
        }
        await client.close();
      }
      for (const workload of h2load === undefined ? [] : H2LOAD_WORKLOADS.filter(only)) {
        const [readings, cpu] = await withCpu(child, () => measure(async () => [{ workload: workload.name, unit: workload.unit,
          value: measureH2load(workload, child.port, settings.h2load, loadCpu) }], workload.name, 'h2load', server.name));
        // This process only waits for h2load: its CPU share says nothing about the load generator.
        record('h2load', server.name, readings, { server: cpu.server });
      }
      if (MEMORY_KINDS.includes(server.name) && only({ name: 'memory' })) {
        await memoryChecks(child, settings, h2load !== undefined, loadCpu, record);
      }
    } finally {
      await child.stop();
    }
  }

  if (only({ name: BALANCED_WORKLOAD })) {
    for (const server of servers) {
      await balancedUnary(clients, server.name, settings, serverCpu, (driver, name, readings) => {
        for (const r of readings) figures.push(report({ ...r, driver, server: name }));
      });
    }
  }

  const lines = [
    `node ${process.version}, ${flags.has('quick') ? 'quick' : 'full'} run in ${((performance.now() - started) / 1000).toFixed(0)} s; `
      + (pin ? `servers pinned to core ${SERVER_CPU}, load to core ${LOAD_CPU}` : 'not pinned (taskset or a second core missing)'),
    `h2load: ${h2load ?? 'not installed, h2load figures skipped (apt-get install nghttp2-client)'}`,
    `unary: median of 5 slices of ${settings.durationMs} ms in all after ${settings.warmupMs} ms warm-up; server stream: one call of `
      + `${settings.streamCount} messages, client stream ${settings.streamCount / 5}; download/upload: ${settings.bulkBytes / MIB} MiB in 64 KiB messages; streams and transfers: `
      + `median of up to ${settings.repeats} runs (none started after ${settings.durationMs} ms) after ${settings.warmupMs} ms of `
      + `smaller warm-up runs; `
      + `ping-pong: ${settings.pingPongRounds} round trips on one Bidi call`,
    `h2load: median of ${settings.h2load.runs} runs; small calls: ${settings.h2load.durationMs} ms after ${settings.h2load.warmupMs} ms `
      + `warm-up each; transfers: ${settings.h2load.bulkRequests} requests each, after one`,
    ...servers.map((s) => `server ${s.name}: ${s.description}`),
    ...clients.map((c) => `client ${c.name}: ${c.description}`),
    'ratios: the same figure on the grpc-js server, on the floor server, and driven by the grpc-js client; above 1 is better '
      + '(latency and memory ratios are base/value); srv cpu / cli cpu: the server\'s and our client process\'s share of a core '
      + 'while measured (warm-ups included)',
    '', formatTable(figures, servers.map((s) => s.name)),
    '', 'ours end to end against grpc-js end to end (h2load rows: server only):', formatHeadline(figures),
    '', 'targets (issue 7):', formatTargets(figures),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const profile = flags.get('profile');
  if (profile !== undefined) await profileKinds(profile === 'true' ? ['ours'] : profile.split(','), settings.h2load, h2load !== undefined, serverCpu, loadCpu);
}

/** The slow-reader stream and the many-unary-calls retention check; h2load drives the calls when installed. */
async function memoryChecks(child: ServerProcess, settings: Settings, useH2load: boolean, loadCpu: number | undefined,
  record: (driver: string, server: string, readings: readonly Reading[]) => void): Promise<void> {
  record('raw h2', child.kind, await measure(() => slowReaderGrowth(child, settings.memoryStream), 'slow reader', 'raw h2', child.kind));
  const driver = useH2load ? 'h2load' : 'ours';
  const drive = async (calls: number): Promise<void> => {
    if (useH2load) {
      runH2load(H2LOAD_WORKLOADS[0]!, child.port, { requests: calls }, loadCpu);
      return;
    }
    const client = CLIENT_KINDS.find((k) => k.name === 'ours')!.connect(`${LOOPBACK}:${child.port}`);
    await callTimes(client, calls);
    await client.close();
  };
  record(driver, child.kind, await measure(() => unaryRetention(child, settings.memoryCalls, drive), 'unary retention', driver, child.kind));
}

/** `calls` unary calls, 32 at a time. */
async function callTimes(client: BenchClient, calls: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < calls) await client.unary(UNARY_REQUEST);
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** Shares of one core used while a figure was measured. */
interface CpuShares {
  readonly server: number;
  readonly client?: number;
}

/**
 * What `run` returns, and the share of one core the server and this process (the client) used meanwhile.
 * Below ~0.9 for the server under h2load means a busy machine.
 */
async function withCpu<T>(child: ServerProcess, run: () => Promise<T>): Promise<[T, CpuShares]> {
  const [before, start] = [await child.sample(false), performance.now()];
  const ownBefore = process.cpuUsage();
  const result = await run();
  const own = process.cpuUsage(ownBefore);
  const [after, end] = [await child.sample(false), performance.now()];
  const elapsed = end - start;
  return [result, { server: (after.cpuMs - before.cpuMs) / elapsed, client: (own.user + own.system) / 1000 / elapsed }];
}

async function measure(run: () => Promise<Reading[]>, workload: string, driver: string, server: string): Promise<Reading[]> {
  try {
    return await run();
  } catch (err) {
    process.stderr.write(`${workload} ${driver}->${server} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return [{ workload, unit: '', value: NaN }];
  }
}

const STARTED = performance.now();

/** Logs one figure to stderr as it is measured, with the seconds since the start. */
function report(figure: Figure): Figure {
  process.stderr.write(`${((performance.now() - STARTED) / 1000).toFixed(1).padStart(6)} s  ${figure.workload.padEnd(36)} ${figure.driver.padEnd(8)} -> ${figure.server.padEnd(12)} `
    + `${Number.isFinite(figure.value) ? figure.value.toFixed(1) : 'failed'} ${figure.unit}\n`);
  return figure;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
