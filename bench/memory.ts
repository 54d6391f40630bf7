// Memory checks, printed rather than asserted: server RSS while a slow reader drains a long stream
// (HTTP/2 flow control must hold the producer back), and RSS kept after many unary calls (no per-call leak).
import { connect } from 'node:http2';
import { FrameDecoder } from '../lib/protocol/framing.js';
import { SERVICE_NAME } from './bench-proto.js';
import type { ServerProcess } from './server.js';
import { sleep } from './workloads.js';
import type { Reading } from './workloads.js';

/** Server kinds the checks run on (the floor shows what node:http2 does alone); the others take minutes. */
export const MEMORY_KINDS: readonly string[] = ['floor', 'ours', 'nest'];

const MB = 1024 * 1024;
const SAMPLE_EVERY_MS = 50;
// The reader pauses this long after every chunk: well below what the servers can send.
const READ_PAUSE_MS = 1;
const FIRST_CALLS = 10_000;

/** Peak server RSS over its settled RSS while a paced reader takes ServerStream(count) on HTTP/2's default window. */
export async function slowReaderGrowth(server: ServerProcess, count: number): Promise<Reading[]> {
  const before = await server.sample(true);
  let peak = before.rss;
  let reading = true;
  const sampler = (async () => {
    while (reading) {
      peak = Math.max(peak, (await server.sample(false)).rss);
      await sleep(SAMPLE_EVERY_MS);
    }
  })();
  const start = performance.now();
  try {
    const received = await readSlowly(server.port, count);
    if (received !== count) throw new Error(`ServerStream sent ${received} of ${count} messages`);
  } finally {
    reading = false;
    await sampler;
  }
  const seconds = (performance.now() - start) / 1000;
  const name = `slow reader ${formatCount(count)} msgs`;
  return [
    { workload: `${name}: RSS growth`, unit: 'MB', value: (peak - before.rss) / MB, lowerIsBetter: true },
    { workload: `${name}: read rate`, unit: 'msg/s', value: count / seconds },
  ];
}

/** Settled RSS after the first 10,000 unary calls and after `total`; `drive(n)` makes n calls. */
export async function unaryRetention(server: ServerProcess, total: number, drive: (calls: number) => Promise<void>): Promise<Reading[]> {
  await drive(FIRST_CALLS);
  const first = await server.sample(true);
  await drive(total - FIRST_CALLS);
  const end = await server.sample(true);
  const name = `${formatCount(total)} unary calls`;
  return [
    { workload: `${name}: RSS after 10k`, unit: 'MB', value: first.rss / MB, lowerIsBetter: true },
    { workload: `${name}: RSS growth after 10k`, unit: 'MB', value: (end.rss - first.rss) / MB, lowerIsBetter: true },
    { workload: `${name}: heap growth after 10k`, unit: 'MB', value: (end.heapUsed - first.heapUsed) / MB, lowerIsBetter: true },
  ];
}

/** One ServerStream(count) call from a raw node:http2 client that pauses after every chunk; resolves with the messages read. */
function readSlowly(port: number, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': `/${SERVICE_NAME}/ServerStream`, 'content-type': 'application/grpc', te: 'trailers' });
    const body = Buffer.alloc(11);
    // StreamRequest { count = 1 } as a varint, behind the 5-byte prefix.
    let length = 0;
    body[5 + length++] = 0x08;
    for (let value = count; ; value = Math.floor(value / 128)) {
      body[5 + length++] = value > 0x7f ? (value & 0x7f) | 0x80 : value;
      if (value <= 0x7f) break;
    }
    body.writeUInt32BE(length, 1);
    stream.end(body.subarray(0, 5 + length));
    const decoder = new FrameDecoder();
    let received = 0;
    stream.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (!Array.isArray(frames)) return reject(frames);
      received += frames.length;
      stream.pause();
      setTimeout(() => stream.resume(), READ_PAUSE_MS);
    });
    stream.on('error', reject);
    stream.on('close', () => {
      session.close();
      resolve(received);
    });
  });
}

function formatCount(count: number): string {
  return count >= 1_000_000 ? `${count / 1_000_000}M` : `${count / 1000}k`;
}
