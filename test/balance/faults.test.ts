// Faults under round_robin over three loopback servers, ours and grpc-js's client on the same scenario: one server
// drains gracefully (no call fails), one is SIGKILLed (only its calls in flight fail, or are retried elsewhere),
// and comes back on the same port (it rejoins).

import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Status } from '../../lib/protocol/status.js';
import { sleep, within } from '../client/fixtures.js';
import { clientKinds, failuresOf, repliesOf } from './balance-clients.js';
import type { BalanceClient, Outcome } from './balance-clients.js';
import { startWhereServer } from './where-server.js';
import type { WhereServer } from './where-server.js';

const CHILD = fileURLToPath(new URL('./where-child.js', import.meta.url));
const ROUND_ROBIN = { loadBalancingConfig: [{ round_robin: {} }] };
const WITH_RETRY = {
  ...ROUND_ROBIN,
  methodConfig: [{
    name: [{ service: 'balancetest.Where' }],
    retryPolicy: { maxAttempts: 3, initialBackoff: '0.01s', maxBackoff: '0.05s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] },
  }],
};
const CONCURRENCY = 12;

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly port: number;
  /** The next line the child prints (see where-child.ts). */
  nextLine(what: string): Promise<string>;
}

async function startChild(name: string, host: string, port = 0): Promise<Child> {
  const child = spawn(process.execPath, [CHILD, name, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = (what: string): Promise<string> => within(8000, lines.next().then((line) => {
    if (line.done === true) throw new Error(`child exited ${child.exitCode ?? child.signalCode} before ${what}`);
    return line.value;
  }), what);
  return { name, process: child, port: Number(await nextLine('child server')), nextLine };
}

function kill(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGKILL');
  return exited;
}

/**
 * Kills the child when no reply of its is half sent. A call commits once its response headers arrive (gRFC A6: a
 * committed call is never retried), so a call whose reply a SIGKILL cuts between headers and trailers fails
 * UNAVAILABLE under any retry policy, in grpc-js's client as in ours; how often depends on timing (grpc-js's server
 * sends the trailers only once the message is written), and on a loaded machine it happened. So the child first stops
 * answering; the client gets every reply the child had sent, a call is held on it, and only then is it killed: the
 * calls in flight on it are uncommitted, and the retry policy must move them to the other servers.
 */
async function holdThenKill(child: Child, seen: () => readonly Outcome[]): Promise<void> {
  child.process.kill('SIGUSR2');
  const answered = Number((await child.nextLine('the count of calls answered')).replace('answered ', ''));
  await child.nextLine('a call held');
  const until = Date.now() + 5000;
  while (repliesOf(seen()).filter((reply) => reply.server === child.name).length < answered) {
    if (Date.now() > until) throw new Error(`the client did not get the ${answered} replies ${child.name} sent`);
    await sleep(2);
  }
  await kill(child);
}

/** Calls `CONCURRENCY` at a time until `total` are done; `at(done)` runs once when that many have finished. */
async function callsAround(client: BalanceClient, total: number, at: number, action: (seen: () => readonly Outcome[]) => Promise<void>): Promise<{ before: Outcome[]; after: Outcome[] }> {
  const before: Outcome[] = [];
  const afterAction: Outcome[] = [];
  let started = 0;
  let acted: Promise<void> | undefined;
  let actionDone = false;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      const doneBefore = actionDone;
      const outcome = await client.who({ timeoutMs: 5000 });
      (doneBefore ? afterAction : before).push(outcome);
      if (before.length + afterAction.length >= at && acted === undefined) {
        acted = action(() => [...before, ...afterAction]).then(() => { actionDone = true; });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await acted;
  return { before, after: afterAction };
}

for (const kind of clientKinds) {
  describe(`faults client=${kind.name}`, { timeout: 60_000 }, () => {
    let a: WhereServer;
    let b: WhereServer;
    let c: Child;
    let client: BalanceClient | undefined;
    before(async () => {
      [a, b] = await Promise.all([startWhereServer('a', '127.0.0.1'), startWhereServer('b', '127.0.0.2')]);
      c = await startChild('c', '127.0.0.3');
    });
    afterEach(() => { client?.close(); client = undefined; });
    after(async () => {
      await kill(c);
      await Promise.all([a.stop(), b.stop()]);
    });
    const target = (): string => `ipv4:${a.address},${b.address},127.0.0.3:${c.port}`;

    it('a server killed midway: only calls in flight on it fail UNAVAILABLE; later calls go to the others; back, it rejoins', async () => {
      client = kind.create(target(), ROUND_ROBIN, { backoffMs: 100 });
      const { before: early, after: late } = await callsAround(client, 900, 300, () => kill(c));
      assert.ok(new Set(repliesOf(early).map((reply) => reply.server)).has('c'), 'c served calls before it was killed');
      const failed = failuresOf([...early, ...late]);
      assert.ok(failed.every((code) => code === Status.UNAVAILABLE), `failures: ${failed.join(',')}`);
      assert.ok(failed.length <= CONCURRENCY, `${failed.length} calls failed, more than were in flight`);
      assert.deepEqual(failuresOf(late.slice(CONCURRENCY)), [], 'calls after the kill do not fail');
      assert.ok(repliesOf(late).every((reply) => reply.server !== 'c'));
      c = await startChild('c', '127.0.0.3', c.port);
      const until = Date.now() + 5000;
      let rejoined = false;
      while (!rejoined && Date.now() < until) {
        const outcome = await client.who({ timeoutMs: 2000 });
        assert.ok('reply' in outcome, 'no call fails while the server comes back');
        rejoined = outcome.reply.server === 'c';
        if (!rejoined) await sleep(20);
      }
      assert.ok(rejoined, 'the restarted server takes calls again');
    });

    it('a server killed midway under a retry policy: every call succeeds', async () => {
      // A fresh c: every call it will have answered is this client's (holdThenKill waits for them all).
      await kill(c);
      c = await startChild('c', '127.0.0.3', c.port);
      client = kind.create(target(), WITH_RETRY, { backoffMs: 100 });
      const { before: early, after: late } = await callsAround(client, 600, 200, (seen) => holdThenKill(c, seen));
      const failed = [...early, ...late].filter((outcome) => 'code' in outcome);
      assert.deepEqual(failed, [], failed.map((outcome) => ('message' in outcome ? outcome.message : '')).join('; '));
      assert.ok(repliesOf([...early, ...late]).some((reply) => reply.previous_attempts > 0), 'the calls held on c were retried elsewhere');
      c = await startChild('c', '127.0.0.3', c.port);
    });

    it('a server draining gracefully midway: no call fails, later calls go to the others', async () => {
      client = kind.create(target(), ROUND_ROBIN, { backoffMs: 100 });
      const { before: early, after: late } = await callsAround(client, 900, 300, () => b.drain());
      assert.deepEqual(failuresOf([...early, ...late]), []);
      assert.ok(repliesOf(late.slice(CONCURRENCY)).every((reply) => reply.server !== 'b'));
      b = await startWhereServer('b', '127.0.0.2', b.port);
    });
  });
}
