// The frame both fuzz tests run in: the bad-input probe server, a bystander connection whose healthy calls
// must keep being served, and at the end a graceful close that must drain, so no fuzzed call was left open.
import assert from 'node:assert/strict';
import { expectHealthyEcho } from '../bad-input/bad-case.js';
import { startProbeServer } from '../bad-input/probe-server.js';
import type { ProbeServer } from '../bad-input/probe-server.js';
import { RawClient } from '../bad-input/raw-client.js';

const DRAIN_TIMEOUT_MS = 5000;

/**
 * Runs `fuzz` against a fresh probe server; the bystander is the connection fuzzing must not disturb. With
 * `drains` false the server is closed by force after a graceful attempt: for fuzzing that provokes connection
 * errors, after which node:http2 keeps the socket (protocol-error-vanish.test.ts states that gap).
 */
export async function fuzzProbeServer(fuzz: (server: ProbeServer, bystander: RawClient) => Promise<void>, drains = true): Promise<void> {
  const server = await startProbeServer();
  const bystander = await RawClient.connect(server.port);
  let failure: unknown;
  try {
    await fuzz(server, bystander);
    await expectHealthyEcho(bystander, 'after the fuzzing');
    assert.deepEqual(bystander.sessionErrors, [], 'no session errors on the bystander connection');
  } catch (err) {
    failure = err;
  }
  await bystander.close().catch(() => {});
  // A call the server never ended would hold the graceful close past its bound: a leak. A failure of the
  // fuzzing itself is reported first, being the cause of anything left open.
  const drained = server.close(drains ? DRAIN_TIMEOUT_MS : 500);
  if (failure !== undefined || !drains) {
    await drained.catch(() => {});
    if (failure !== undefined) throw failure;
    return;
  }
  await drained;
}
