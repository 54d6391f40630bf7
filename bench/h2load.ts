// Server-side figures driven by h2load (Debian package nghttp2-client), when it is installed: small calls on
// 4 connections x 32 concurrent streams for a fixed time, and 64 MiB transfers one at a time, from a precomputed body.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK, CHUNK_SIZE, frame, SERVICE_NAME, UNARY_REQUEST, varint } from './bench-proto.js';
import { pinned } from './server.js';

export interface H2loadWorkload {
  readonly name: string;
  readonly unit: string;
  readonly method: string;
  /** The request body: gRPC frames. */
  body(): Buffer;
  /** The figure's units per request (messages, or MiB): it is requests/s times this. */
  readonly perRequest: number;
  /** DATA bytes each response must bring at least: h2load sees HTTP only, and a gRPC error has none. */
  readonly minResponseBytes: number;
  readonly connections: number;
  readonly streams: number;
  /** Transfers count whole requests (bulkRequests of them) rather than run for a fixed time. */
  readonly bulk?: boolean;
}

/**
 * Every figure is the median of `runs` runs: timed workloads run for `durationMs` each after a warm-up, transfers
 * move `bulkRequests` each after one request.
 */
export interface H2loadSettings { readonly warmupMs: number; readonly durationMs: number; readonly bulkRequests: number; readonly runs: number }

/** A timed run or a fixed number of requests. */
export type H2loadRun = { readonly warmupMs: number; readonly durationMs: number } | { readonly requests: number };

export const STREAM_PER_REQUEST = 100;
const MIB = 1024 * 1024;
const BULK_BYTES = 64 * MIB;

export const H2LOAD_WORKLOADS: readonly H2loadWorkload[] = [
  // Msg { id, text } by hand: both the id and the text length are under 128, one varint byte each.
  { name: 'unary h2load 4x32', unit: 'req/s', method: 'Unary', perRequest: 1, minResponseBytes: 5, connections: 4, streams: 32,
    body: () => frame(Buffer.concat([Buffer.from([0x08, UNARY_REQUEST.id, 0x12, UNARY_REQUEST.text.length]), Buffer.from(UNARY_REQUEST.text)])) },
  { name: `stream h2load 4x32 x${STREAM_PER_REQUEST}`, unit: 'msg/s', method: 'ServerStream', perRequest: STREAM_PER_REQUEST,
    minResponseBytes: 5 * STREAM_PER_REQUEST, connections: 4, streams: 32, body: () => frame(Buffer.from([0x08, ...varint(STREAM_PER_REQUEST)])) },
  { name: 'download h2load 64MiB', unit: 'MiB/s', method: 'Download', perRequest: BULK_BYTES / MIB, minResponseBytes: BULK_BYTES,
    connections: 1, streams: 1, bulk: true, body: () => frame(Buffer.from([0x08, ...varint(BULK_BYTES)])) },
  // Chunk { data = 1 } messages of 64 KiB, the same as the clients upload.
  { name: 'upload h2load 64MiB', unit: 'MiB/s', method: 'Upload', perRequest: BULK_BYTES / MIB, minResponseBytes: 5,
    connections: 1, streams: 1, bulk: true, body: () => {
      const chunk = frame(Buffer.concat([Buffer.from([0x0a, ...varint(CHUNK_SIZE)]), CHUNK.data]));
      return Buffer.concat(Array.from({ length: BULK_BYTES / CHUNK_SIZE }, () => chunk));
    } },
];

/** h2load's version line, or undefined when it is not installed. */
export function h2loadVersion(): string | undefined {
  const result = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

/** The workload's figure: the median of several runs, as one run moves by 15% (small calls) to 30% (transfers). */
export function measureH2load(workload: H2loadWorkload, port: number, settings: H2loadSettings, cpu: number | undefined): number {
  const run: H2loadRun = workload.bulk === true ? { requests: settings.bulkRequests } : settings;
  if (workload.bulk === true) runH2load(workload, port, { requests: 1 }, cpu);
  const rates = Array.from({ length: settings.runs }, () => runH2load(workload, port, run, cpu));
  return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
}

/** One h2load run; returns requests/s times perRequest. */
export function runH2load(workload: H2loadWorkload, port: number, run: H2loadRun, cpu: number | undefined): number {
  const body = join(tmpdir(), `grpc-bench-${process.pid}-${workload.method}.bin`);
  if (!existsSync(body)) writeFileSync(body, workload.body());
  const url = `http://127.0.0.1:${port}/${SERVICE_NAME}/${workload.method}`;
  const amount = 'requests' in run ? ['-n', String(run.requests)] : ['-D', `${run.durationMs}ms`, `--warm-up-time=${run.warmupMs}ms`];
  const args = [...amount, '-c', String(workload.connections), '-m', String(workload.streams), '-d', body,
    '-H', 'content-type: application/grpc', '-H', 'te: trailers', url];
  const [command, argv] = pinned(cpu, 'h2load', args);
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 300_000 });
  return parseH2load(result.stdout ?? '', workload.minResponseBytes) * workload.perRequest;
}

/** Requests per second from h2load's summary; every request must have succeeded and brought its bytes. */
export function parseH2load(output: string, minResponseBytes: number): number {
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(output);
  const data = /\((\d+)\) data/.exec(output);
  if (rate === null || counts === null || data === null) throw new Error(`Unreadable h2load output:\n${output}`);
  const [done, succeeded, failed, errored] = [counts[2], counts[3], counts[4], counts[5]].map(Number) as [number, number, number, number];
  if (succeeded === 0 || succeeded !== done || failed + errored > 0) throw new Error(`h2load: ${succeeded} of ${done} requests succeeded`);
  if (Number(data[1]) < succeeded * minResponseBytes) throw new Error(`h2load: responses carried ${data[1]} bytes of messages: gRPC errors?`);
  return Number(rate[1]);
}
