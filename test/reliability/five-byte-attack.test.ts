// Issue 13's "crash bought with five bytes", server side: 2,000 streams each announcing a 4 MiB message with a
// 5-byte prefix and sending nothing more. Memory must follow the bytes that arrived; grpc-js runs the same attack.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MESSAGE_BYTES } from '../equivalence/servers.js';
import { expectHealthyCall, floodWithPrefixes } from './prefix-flood.js';
import { ServerProcess } from './server-process.js';
import type { ServerKind, ServerUsage } from './server-process.js';

const MIB = 1024 * 1024;
const ANNOUNCED = 4 * MIB;
const CONNECTIONS = 4;
const STREAMS_PER_CONNECTION = 500;
// 2,000 streams of a few hundred bytes each (headers and prefix); preallocating would reserve 8,000 MiB.
const MEMORY_BOUND = 200 * MIB;

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

function growth(before: ServerUsage, after: ServerUsage): string {
  return `rss +${mib(after.rss - before.rss)}, heap +${mib(after.heapUsed - before.heapUsed)}, `
    + `external +${mib(after.external - before.external)} (array buffers +${mib(after.arrayBuffers - before.arrayBuffers)})`;
}

describe('five-byte attack: streams announcing 4 MiB with only a prefix', { timeout: 90_000 }, () => {
  // The servers of the matrix accept 8 MiB messages, so the announced 4 MiB is not refused up front.
  assert.ok(ANNOUNCED <= MAX_MESSAGE_BYTES);
  for (const kind of ['ours', 'nest', 'grpc-js'] satisfies ServerKind[]) {
    it(`server=${kind}: memory stays bounded, another connection is served, handles come back`, { timeout: 30_000 }, async (t) => {
      const server = await ServerProcess.start(kind);
      try {
        const baseline = await server.usage();
        const flood = await floodWithPrefixes(server.port, CONNECTIONS, STREAMS_PER_CONNECTION, ANNOUNCED);
        const loaded = await server.usage();
        t.diagnostic(`${kind} under ${CONNECTIONS * STREAMS_PER_CONNECTION} streams: ${growth(baseline, loaded)}`);
        assert.ok(loaded.external - baseline.external < MEMORY_BOUND, `external memory grew: ${growth(baseline, loaded)}`);
        assert.ok(loaded.rss - baseline.rss < MEMORY_BOUND, `rss grew: ${growth(baseline, loaded)}`);
        await expectHealthyCall(server.port, `beside the flood on ${kind}`);

        await flood.reset();
        const settled = await server.usageWhen((usage) => usage.handles.length <= baseline.handles.length, 10_000);
        assert.deepEqual(settled.handles.sort(), baseline.handles.sort(), 'handles back to baseline once the streams are reset');
        assert.deepEqual(server.fatal, [], 'nothing escaped the server');
      } finally {
        await server.stop();
      }
    });
  }
});
