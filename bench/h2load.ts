// Server-side figures driven by h2load (Debian package nghttp2-client), when it is installed:
// 4 connections x 32 concurrent streams posting a precomputed gRPC request body.
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

/** Runs `requests` calls of the workload (after a tenth as many to warm up); returns its figure. */
export function runH2load(workload: H2loadWorkload, port: number, requests: number, cpu: number | undefined): number {
  const body = join(tmpdir(), `grpc-bench-${process.pid}-${workload.method}.bin`);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(workload.message.length, 1);
  writeFileSync(body, Buffer.concat([prefix, workload.message]));
  const url = `http://127.0.0.1:${port}/${SERVICE_NAME}/${workload.method}`;
  const run = (n: number): number => {
    const args = ['-n', String(n), '-c', '4', '-m', '32', '-d', body,
      '-H', 'content-type: application/grpc', '-H', 'te: trailers', url];
    const [command, argv] = pinned(cpu, 'h2load', args);
    const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 120_000 });
    return parseH2load(result.stdout ?? '', n);
  };
  run(Math.max(128, Math.floor(requests / 10)));
  return run(requests) * workload.perRequest;
}

/** Requests per second from h2load's summary; throws unless every request succeeded. */
export function parseH2load(output: string, expected: number): number {
  const rate = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded/.exec(output);
  if (rate === null || counts === null) throw new Error(`Unreadable h2load output:\n${output}`);
  if (Number(counts[2]) !== expected) throw new Error(`h2load: ${counts[2]} of ${expected} requests succeeded`);
  return Number(rate[1]);
}
