// `npm run bench [-- --quick] [--servers=a,b] [--clients=a,b] [--only=unary,upload] [--profile] [--no-pin] [--no-h2load]`:
// every server kind in a pinned child process, every workload against it, then one table of ratios.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK, parseFlags } from './bench-proto.js';
import { H2LOAD_WORKLOADS, h2loadVersion, runH2load } from './h2load.js';
import { CLIENT_KINDS, pickKinds, SERVER_KINDS } from './kinds.js';
import { findProfile, summariseProfile } from './profile.js';
import { formatHeadline, formatTable } from './report.js';
import type { Figure } from './report.js';
import { canPin, pinSelf, spawnServer } from './server.js';
import { CLIENT_WORKLOADS, unaryRate } from './workloads.js';
import type { Budget } from './workloads.js';

interface Settings extends Budget { h2loadRequests: number; h2loadStreamRequests: number }

const MIB = 1024 * 1024;
const FULL: Settings = { warmupMs: 500, durationMs: 2500, streamCount: 100_000, bulkBytes: 64 * MIB, repeats: 5,
  h2loadRequests: 100_000, h2loadStreamRequests: 2_000 };
const QUICK: Settings = { warmupMs: 150, durationMs: 500, streamCount: 20_000, bulkBytes: 16 * MIB, repeats: 3,
  h2loadRequests: 10_000, h2loadStreamRequests: 400 };
const WARM_UP: Budget = { warmupMs: 0, durationMs: 300, streamCount: 5_000, bulkBytes: 4 * MIB, repeats: 1 };
const SERVER_CPU = 0;
const LOAD_CPU = 1;
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

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
  for (const server of servers) {
    const child = await spawnServer(server.name, { cpu: serverCpu });
    const address = `${LOOPBACK}:${child.port}`;
    try {
      for (const kind of clients) {
        const client = kind.connect(address);
        // JIT warm-up of each client on the first server, so that server is not measured against cold code.
        if (server === servers[0]) for (const workload of CLIENT_WORKLOADS) await workload.run(client, WARM_UP);
        for (const workload of CLIENT_WORKLOADS.filter(only)) {
          const value = await measure(() => workload.run(client, settings), `${workload.name} ${kind.name}->${server.name}`);
          figures.push(report({ workload: workload.name, driver: kind.name, server: server.name, unit: workload.unit, value }));
        }
        await client.close();
      }
      for (const workload of h2load === undefined ? [] : H2LOAD_WORKLOADS.filter(only)) {
        const requests = workload.perRequest === 1 ? settings.h2loadRequests : settings.h2loadStreamRequests;
        const label = `${workload.name} h2load->${server.name}`;
        const value = await measure(() => Promise.resolve(runH2load(workload, child.port, requests, loadCpu)), label);
        figures.push(report({ workload: workload.name, driver: 'h2load', server: server.name, unit: workload.unit, value }));
      }
    } finally {
      await child.stop();
    }
  }

  const lines = [
    `node ${process.version}, ${flags.has('quick') ? 'quick' : 'full'} run in ${((performance.now() - started) / 1000).toFixed(0)} s; `
      + (pin ? `servers pinned to core ${SERVER_CPU}, load to core ${LOAD_CPU}` : 'not pinned (taskset or a second core missing)'),
    `h2load: ${h2load ?? 'not installed, h2load figures skipped (apt-get install nghttp2-client)'}`,
    `unary: median of 5 slices of ${settings.durationMs} ms in all after ${settings.warmupMs} ms warm-up; `
      + `server stream: one call of ${settings.streamCount} messages; download/upload: ${settings.bulkBytes / MIB} MiB `
      + `in 64 KiB messages; streams and transfers: median of ${settings.repeats} runs after one warm-up run`,
    ...servers.map((s) => `server ${s.name}: ${s.description}`),
    ...clients.map((c) => `client ${c.name}: ${c.description}`),
    'ratios: value / the same figure on the grpc-js server, on the floor server, and driven by the grpc-js client',
    '', formatTable(figures, servers.map((s) => s.name)),
    '', 'ours end to end against grpc-js end to end (h2load rows: server only):', formatHeadline(figures),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  if (flags.has('profile')) await profileOurs(settings, h2load !== undefined, serverCpu, loadCpu);
}

/** Runs unary load on our server under --cpu-prof and prints the top self-time functions. */
async function profileOurs(settings: Settings, useH2load: boolean, serverCpu?: number, loadCpu?: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-bench-profile-'));
  const child = await spawnServer('ours', { cpu: serverCpu, profileDir: dir });
  try {
    if (useH2load) runH2load(H2LOAD_WORKLOADS[0]!, child.port, settings.h2loadRequests * 2, loadCpu);
    else {
      const client = CLIENT_KINDS.find((k) => k.name === 'grpc-js')!.connect(`${LOOPBACK}:${child.port}`);
      await unaryRate(client, 32, { ...settings, durationMs: settings.durationMs * 2 });
      await client.close();
    }
  } finally {
    await child.stop();
  }
  const driver = useH2load ? 'h2load unary 4x32' : 'the grpc-js client, unary c=32';
  process.stdout.write(`\nprofile of our server under ${driver}: ${findProfile(dir)}\n`
    + `${summariseProfile(findProfile(dir), 25, PROJECT_ROOT)}\n`);
}

async function measure(run: () => Promise<number>, label: string): Promise<number> {
  try {
    return await run();
  } catch (err) {
    process.stderr.write(`${label} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return NaN;
  }
}

function report(figure: Figure): Figure {
  process.stderr.write(`${figure.workload.padEnd(24)} ${figure.driver.padEnd(8)} -> ${figure.server.padEnd(8)} `
    + `${Number.isFinite(figure.value) ? figure.value.toFixed(1) : 'failed'} ${figure.unit}\n`);
  return figure;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
