// Client-driven workloads: each runs on a connected BenchClient within a bounded budget, checks the
// answers, and returns its readings (rates, or latencies where lower is better).
import { chunkCount, CHUNK_SIZE, UNARY_REQUEST } from './bench-proto.js';
import type { BenchClient } from './kinds.js';

/** How long and how much each workload runs; `--quick` shrinks it. */
export interface Budget {
  warmupMs: number;
  /** Unary: measured time; streams and transfers: time after which no further repeat starts. */
  durationMs: number;
  /** Messages in the one server-streaming call; a client stream sends a fifth as many (grpc-js's client slows past that). */
  streamCount: number;
  /** Bytes moved by one download or upload (a multiple of 512 KiB: warm-ups move an eighth). */
  bulkBytes: number;
  /** Streaming and bulk figures are the median of up to this many runs. */
  repeats: number;
  /** Round trips of the bidi ping-pong. */
  pingPongRounds: number;
}

/** One figure a workload measured. */
export interface Reading {
  readonly workload: string;
  readonly unit: string;
  readonly value: number;
  /** Latencies: smaller is better, and ratios are inverted so that above 1 still means faster. */
  readonly lowerIsBetter?: boolean;
}

export interface ClientWorkload {
  readonly name: string;
  run(client: BenchClient, budget: Budget): Promise<Reading[]>;
}

const MIB = 1024 * 1024;
const SLICES = 5;
// Warm-up runs of streams and transfers move this fraction of a measured run.
const WARM_UP_SHARE = 8;

const rate = (name: string, unit: string, measure: (client: BenchClient, budget: Budget) => Promise<number>): ClientWorkload => ({
  name,
  run: async (client, budget) => [{ workload: name, unit, value: await measure(client, budget) }],
});

export const CLIENT_WORKLOADS: readonly ClientWorkload[] = [
  ...[1, 32, 128].map((concurrency) => rate(`unary c=${concurrency}`, 'req/s', (client, budget) => unaryRate(client, concurrency, budget))),
  rate('server stream', 'msg/s', (client, budget) => medianOf(budget, (share) => streamRate(client, Math.floor(budget.streamCount / share)))),
  rate('client stream', 'msg/s', (client, budget) => medianOf(budget, (share) => clientStreamRate(client, Math.floor(budget.streamCount / 5 / share)))),
  { name: 'bidi ping-pong', run: (client, budget) => pingPongLatency(client, budget.pingPongRounds) },
  rate('download', 'MiB/s', (client, budget) => medianOf(budget, (share) => downloadRate(client, budget.bulkBytes / share))),
  rate('upload', 'MiB/s', (client, budget) => medianOf(budget, (share) => uploadRate(client, budget.bulkBytes / share))),
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
async function streamRate(client: BenchClient, count: number): Promise<number> {
  const start = performance.now();
  const received = await client.serverStream(count);
  const elapsed = performance.now() - start;
  if (received !== count) throw new Error(`ServerStream sent ${received} of ${count} messages`);
  return (count * 1000) / elapsed;
}

/** Messages per second of one ClientStream call of `count` small messages. */
async function clientStreamRate(client: BenchClient, count: number): Promise<number> {
  const start = performance.now();
  const reply = await client.clientStream(count);
  const elapsed = performance.now() - start;
  if (reply.messages !== count) throw new Error(`ClientStream counted ${reply.messages} of ${count} messages`);
  return (count * 1000) / elapsed;
}

/** Median and 99th percentile round trip, in microseconds, after a tenth as many rounds to warm up. */
async function pingPongLatency(client: BenchClient, rounds: number): Promise<Reading[]> {
  await client.pingPong(Math.ceil(rounds / 10));
  const times = (await client.pingPong(rounds)).sort((a, b) => a - b);
  if (times.length !== rounds) throw new Error(`Bidi echoed ${times.length} of ${rounds} messages`);
  const at = (share: number): number => times[Math.min(times.length - 1, Math.floor(times.length * share))]! * 1000;
  return [
    { workload: 'bidi ping-pong p50', unit: 'µs', value: at(0.5), lowerIsBetter: true },
    { workload: 'bidi ping-pong p99', unit: 'µs', value: at(0.99), lowerIsBetter: true },
  ];
}

/** MiB per second of one Download(size) call. */
async function downloadRate(client: BenchClient, size: number): Promise<number> {
  const start = performance.now();
  const received = await client.download(size);
  const elapsed = performance.now() - start;
  if (received !== size) throw new Error(`Download sent ${received} of ${size} bytes`);
  return (size / MIB) / (elapsed / 1000);
}

/** MiB per second of one Upload call of `size` bytes in 64 KiB messages. */
async function uploadRate(client: BenchClient, size: number): Promise<number> {
  const chunks = chunkCount(size);
  const start = performance.now();
  const count = await client.upload(chunks);
  const elapsed = performance.now() - start;
  // The floor reports raw body bytes (framing included), the others payload bytes: both at least `size`.
  if (count.bytes < chunks * CHUNK_SIZE) throw new Error(`Upload received ${count.bytes} of ${chunks * CHUNK_SIZE} bytes`);
  return (size / MIB) / (elapsed / 1000);
}

/**
 * Smaller warm-up runs (`run(WARM_UP_SHARE)`) for `budget.warmupMs` (at least one), then the median of full runs
 * (`run(1)`): up to `budget.repeats`, but no new one after `budget.durationMs`, so slow servers cost one run, not five.
 */
async function medianOf(budget: Budget, run: (share: number) => Promise<number>): Promise<number> {
  const warm = performance.now() + budget.warmupMs;
  do await run(WARM_UP_SHARE);
  while (performance.now() < warm);
  const rates: number[] = [];
  const start = performance.now();
  while (rates.length < budget.repeats && (rates.length === 0 || performance.now() - start < budget.durationMs)) {
    rates.push(await run(1));
  }
  return median(rates);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A promise of undefined after `ms`. */
export function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
