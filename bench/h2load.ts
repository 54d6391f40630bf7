// Server-side figures driven by h2load (Debian package nghttp2-client), when it is installed:
// 4 connections x 32 concurrent streams posting a precomputed gRPC request body, for a fixed time.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAME, UNARY_REQUEST } from './bench-proto.js';
import { pinned } from './server.js';

export interface H2loadWorkload {
  readonly name: string;
  readonly unit: string;
  readonly method: string;
  /** The request message, protobuf-encoded. */
  readonly message: Buffer;
  /** Messages each response carries: the figure is requests/s times this. */
  readonly perRequest: number;
}

/** A timed run (ms of warm-up, then of measurement) or a fixed number of requests. */
export type H2loadRun = { readonly warmupMs: number; readonly durationMs: number } | { readonly requests: number };

export const STREAM_PER_REQUEST = 100;

export const H2LOAD_WORKLOADS: readonly H2loadWorkload[] = [
  // Msg { id, text } by hand: both the id and the text length are under 128, one varint byte each.
  { name: 'unary h2load 4x32', unit: 'req/s', method: 'Unary', perRequest: 1,
    message: Buffer.concat([Buffer.from([0x08, UNARY_REQUEST.id, 0x12, UNARY_REQUEST.text.length]), Buffer.from(UNARY_REQUEST.text)]) },
  // StreamRequest { count = 100 }: 100 < 128 fits one varint byte.
  { name: `stream h2load 4x32 x${STREAM_PER_REQUEST}`, unit: 'msg/s', method: 'ServerStream', perRequest: STREAM_PER_REQUEST,
    message: Buffer.from([0x08, STREAM_PER_REQUEST]) },
];

/** h2load's version line, or undefined when it is not installed. */
export function h2loadVersion(): string | undefined {
  const result = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

/** Runs the workload on `connections` x `streams` and returns its figure (requests/s x perRequest). */
export function runH2load(workload: H2loadWorkload, port: number, run: H2loadRun, cpu: number | undefined, connections = 4, streams = 32): number {
  const body = join(tmpdir(), `grpc-bench-${process.pid}-${workload.method}.bin`);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(workload.message.length, 1);
  writeFileSync(body, Buffer.concat([prefix, workload.message]));
  const url = `http://127.0.0.1:${port}/${SERVICE_NAME}/${workload.method}`;
  const amount = 'requests' in run ? ['-n', String(run.requests)] : ['-D', `${run.durationMs}ms`, `--warm-up-time=${run.warmupMs}ms`];
  const args = [...amount, '-c', String(connections), '-m', String(streams), '-d', body,
    '-H', 'content-type: application/grpc', '-H', 'te: trailers', url];
  const [command, argv] = pinned(cpu, 'h2load', args);
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 300_000 });
  return parseH2load(result.stdout ?? '', workload.perRequest) * workload.perRequest;
}

/**
 * Requests per second from h2load's summary. h2load sees HTTP only, so a gRPC error (a trailers-only
 * response, 200 with no DATA) would pass as success: every request must have brought its messages' bytes.
 */
export function parseH2load(output: string, perRequest: number): number {
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(output);
  const data = /\((\d+)\) data/.exec(output);
  if (rate === null || counts === null || data === null) throw new Error(`Unreadable h2load output:\n${output}`);
  const [done, succeeded, failed, errored] = [counts[2], counts[3], counts[4], counts[5]].map(Number) as [number, number, number, number];
  if (succeeded === 0 || succeeded !== done || failed + errored > 0) throw new Error(`h2load: ${succeeded} of ${done} requests succeeded`);
  // Each message is at least its 5-byte prefix.
  if (Number(data[1]) < succeeded * perRequest * 5) throw new Error(`h2load: responses carried ${data[1]} bytes of messages: gRPC errors?`);
  return Number(rate[1]);
}
