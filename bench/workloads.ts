// Client-driven workloads: each runs one figure on a connected BenchClient within a bounded budget,
// checks the answers, and returns a rate (higher is better).
import { chunkCount, CHUNK_SIZE, UNARY_REQUEST } from './bench-proto.js';
import type { BenchClient } from './kinds.js';

/** How long and how much each workload runs; `--quick` shrinks it. */
export interface Budget {
  warmupMs: number;
  durationMs: number;
  /** Messages in the one server-streaming call. */
  streamCount: number;
  /** Bytes moved by one download or upload (a multiple of 64 KiB). */
  bulkBytes: number;
  /** Streaming and bulk figures are the median of this many runs. */
  repeats: number;
}

export interface ClientWorkload {
  readonly name: string;
  readonly unit: string;
  run(client: BenchClient, budget: Budget): Promise<number>;
}

const MIB = 1024 * 1024;
const SLICES = 5;

export const CLIENT_WORKLOADS: readonly ClientWorkload[] = [
  ...[1, 32, 128].map((concurrency) => ({
    name: `unary c=${concurrency}`,
    unit: 'req/s',
    run: (client: BenchClient, budget: Budget) => unaryRate(client, concurrency, budget),
  })),
  { name: 'server stream', unit: 'msg/s', run: (client, budget) => medianOf(budget, () => streamRate(client, budget.streamCount)) },
  { name: 'download', unit: 'MiB/s', run: (client, budget) => medianOf(budget, () => downloadRate(client, budget.bulkBytes)) },
  { name: 'upload', unit: 'MiB/s', run: (client, budget) => medianOf(budget, () => uploadRate(client, budget.bulkBytes)) },
];

/**
 * Unary calls per second with `concurrency` calls always in flight: after a warm-up, the median of
 * five equal slices, so a burst of other load on the machine moves the figure less.
 */
export async function unaryRate(client: BenchClient, concurrency: number, budget: Budget): Promise<number> {
  let done = 0;
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      const reply = await client.unary(UNARY_REQUEST);
      if (reply.id !== UNARY_REQUEST.id) throw new Error(`Unary answered id ${reply.id}, not ${UNARY_REQUEST.id}`);
      done++;
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker));
  // A failing call stops the slices at once instead of after the whole duration.
  const failed = workers.then(() => undefined, (err: unknown) => err);
  const rates: number[] = [];
  await Promise.race([sleep(budget.warmupMs), failed]);
  for (let slice = 0; slice < SLICES && running; slice++) {
    const [startCount, start] = [done, performance.now()];
    const error = await Promise.race([sleep(budget.durationMs / SLICES), failed]);
    if (error !== undefined) running = false;
    rates.push(((done - startCount) * 1000) / (performance.now() - start));
  }
  running = false;
  await workers;
  return median(rates);
}

/** Messages per second read from one ServerStream(count) call. */
export async function streamRate(client: BenchClient, count: number): Promise<number> {
  const start = performance.now();
  const received = await client.serverStream(count);
  const elapsed = performance.now() - start;
  if (received !== count) throw new Error(`ServerStream sent ${received} of ${count} messages`);
  return (count * 1000) / elapsed;
}

/** MiB per second of one Download(size) call. */
export async function downloadRate(client: BenchClient, size: number): Promise<number> {
  const start = performance.now();
  const received = await client.download(size);
  const elapsed = performance.now() - start;
  if (received !== size) throw new Error(`Download sent ${received} of ${size} bytes`);
  return (size / MIB) / (elapsed / 1000);
}

/** MiB per second of one Upload call of `size` bytes in 64 KiB messages. */
export async function uploadRate(client: BenchClient, size: number): Promise<number> {
  const chunks = chunkCount(size);
  const start = performance.now();
  const count = await client.upload(chunks);
  const elapsed = performance.now() - start;
  // The floor reports raw body bytes (framing included), the others payload bytes: both at least `size`.
  if (count.bytes < chunks * CHUNK_SIZE) throw new Error(`Upload received ${count.bytes} of ${chunks * CHUNK_SIZE} bytes`);
  return (size / MIB) / (elapsed / 1000);
}

/** Discards a first warm-up run, then takes the median of `budget.repeats` runs. */
async function medianOf(budget: Budget, run: () => Promise<number>): Promise<number> {
  await run();
  const rates: number[] = [];
  for (let i = 0; i < budget.repeats; i++) rates.push(await run());
  return median(rates);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
