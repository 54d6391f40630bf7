// Soak (issue 13): N mixed calls (unary, the three streaming shapes, some cancelled mid-call, some past their
// deadline, some failing) against one server child, then memory and handle counts before and after on both sides.
// `npm run soak -- --calls=N --concurrency=C --server=ours|nest|grpc-js --client=ours|grpc-js --max-seconds=S`
import { loadavg } from 'node:os';
import { LOOPBACK, parseFlags } from './bench-proto.js';
import { connectGrpcJsSoak, connectOursSoak, WRONG_ANSWER } from './soak-clients.js';
import type { Shape, SoakClient } from './soak-clients.js';
import { snapshot } from './soak-measure.js';
import { printSoakReport } from './soak-report.js';
import { spawnSoakServer } from './soak-server.js';

/** Out of every 100 calls: 70 end OK, 15 are cancelled mid-call, 5 pass their deadline, 10 fail UNIMPLEMENTED. */
const MIX: readonly [Shape, number][] = [
  ['unary', 40], ['server-stream', 10], ['client-stream', 10], ['bidi', 10],
  ['cancel-stream', 8], ['cancel-bidi', 7], ['deadline', 5], ['fail', 10],
];
const SCHEDULE: readonly Shape[] = MIX.flatMap(([shape, share]) => Array<Shape>(share).fill(shape));
const CLIENTS: Record<string, (address: string) => SoakClient> = { 'ours': connectOursSoak, 'grpc-js': connectGrpcJsSoak };
// Pause before the after-snapshots, so calls cancelled at the very end have finished closing on both sides.
const SETTLE_MS = 1000;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const calls = Number(flags.get('calls') ?? 1_000_000);
  const concurrency = Number(flags.get('concurrency') ?? 64);
  const maxSeconds = Number(flags.get('max-seconds') ?? 600);
  const serverKind = flags.get('server') ?? 'ours';
  const clientKind = flags.get('client') ?? 'ours';
  const connect = CLIENTS[clientKind];
  if (connect === undefined) throw new Error(`Unknown client "${clientKind}" (known: ${Object.keys(CLIENTS).join(', ')})`);
  if (globalThis.gc === undefined) process.stderr.write('warning: run node with --expose-gc (npm run soak does) or client figures include garbage\n');

  const server = await spawnSoakServer(serverKind);
  const client = connect(`${LOOPBACK}:${server.port}`);
  try {
    // Warm-up: connections, code paths and caches exist before the first snapshot, so the delta is what the calls kept.
    await drive(client, Math.min(2000, Math.ceil(calls / 10)), concurrency, Infinity, new Map());
    const before = { client: await snapshot(), server: await server.snapshot() };
    const load = loadavg()[0]!;
    const statuses = new Map<number, number>();
    const start = performance.now();
    const made = await drive(client, calls, concurrency, start + maxSeconds * 1000, statuses);
    const seconds = (performance.now() - start) / 1000;
    if (made < calls) process.stdout.write(`Stopped after ${maxSeconds} s: ${made} of ${calls} calls made.\n`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const after = { client: await snapshot(), server: await server.snapshot() };
    printSoakReport({ serverKind, clientKind, calls: made, concurrency, seconds, statuses, before, after,
      load: [load, loadavg()[0]!] });
    if (statuses.has(WRONG_ANSWER)) process.exitCode = 1;
  } finally {
    await client.close();
    await server.stop();
  }
}

/** Makes `calls` calls in the MIX's order, `concurrency` at a time, none started after `stopAt`; returns how many. */
async function drive(client: SoakClient, calls: number, concurrency: number, stopAt: number, statuses: Map<number, number>): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls && performance.now() < stopAt) {
      const code = await client.call(SCHEDULE[next++ % SCHEDULE.length]!);
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return next;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
