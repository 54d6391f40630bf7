// A backend's graceful drain behind the proxy: GrpcServer.close() while calls are in flight on it and the clients
// keep calling through the proxy. Every call must succeed: the in-flight ones finish on the draining backend, the
// rest are served by the others (the proxy retries a call the closing backend refused, as its config says).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { CallError } from '../equivalence/example-client.js';
import type { ExampleClient } from '../equivalence/example-client.js';
import type { Backend } from './backends.js';
import { waitForCall } from './backends.js';

export interface DrainSetup {
  readonly backends: readonly Backend[];
  readonly clients: ReadonlyArray<{ readonly name: string; readonly client: ExampleClient }>;
  proxyLog(): string;
  /** The proxy's step before a backend closes; true when it took the backend out of rotation (RunningProxy.retire). */
  retire(backend: string): Promise<boolean>;
}

const WORKERS_PER_CLIENT = 3;
const LONG_CALLS_PER_CLIENT = 3;
const LONG_CALL_MS = 2000;
const QUIET_MS = 300;
const LOAD_AFTER_DRAIN_MS = 500;

interface Outcome { readonly tag: string; readonly code: number; readonly message: string }

async function outcomeOf(tag: string, call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { tag, code: 0, message: '' };
  } catch (err) {
    return err instanceof CallError ? { tag, code: err.code, message: err.message } : { tag, code: -1, message: String(err) };
  }
}

/** Resolves once the backend got no new call for QUIET_MS (bounded). */
async function untilQuiet(backend: Backend): Promise<void> {
  const until = Date.now() + 5000;
  for (let seen = -1; seen !== backend.recorder.calls.length;) {
    assert.ok(Date.now() < until, `${backend.name} still gets calls after it was taken out of rotation`);
    seen = backend.recorder.calls.length;
    await delay(QUIET_MS);
  }
}

export function drainScenario(get: () => DrainSetup): void {
  it('a backend closed gracefully under load: its calls in flight finish, no call is lost', { timeout: 30_000 }, async () => {
    const { backends, clients, proxyLog, retire } = get();
    const [draining, ...others] = backends;
    assert.ok(draining);
    // Started first and together, so round-robin puts some on every backend, the draining one included.
    const long = clients.flatMap(({ name, client }) => Array.from({ length: LONG_CALLS_PER_CLIENT }, (_, i) => {
      const tag = `long-${name}-${i}`;
      return outcomeOf(tag, client.unary('sleep_unary', { value: tag, delay_ms: LONG_CALL_MS }).then((result) => {
        assert.equal(result.responses[0]?.message, 'slept', `${tag} slept to the end`);
      }));
    }));
    await waitForCall([draining], (c) => c.tag.startsWith('long-'));

    let loading = true;
    let sequence = 0;
    const load: Outcome[] = [];
    const worker = async (name: string, client: ExampleClient): Promise<void> => {
      while (loading) {
        const tag = `load-${name}-${sequence++}`;
        load.push(await outcomeOf(tag, client.unary('sleep_unary', { value: tag, delay_ms: 20 })));
      }
    };
    const workers = clients.flatMap(({ name, client }) => Array.from({ length: WORKERS_PER_CLIENT }, () => worker(name, client)));
    await delay(200);

    const servedBefore = others.map((b) => b.recorder.calls.length);
    // Out of rotation, a backend still gets the calls clients sent on connections the proxy was already closing.
    if (await retire(draining.address)) await untilQuiet(draining);
    assert.ok(draining.recorder.calls.some((c) => c.tag.startsWith('long-') && !c.finished), 'calls are in flight as it closes');
    await draining.close();
    const drainedAt = draining.recorder.calls.length;
    await delay(LOAD_AFTER_DRAIN_MS);
    loading = false;
    await Promise.all(workers);
    const outcomes = [...(await Promise.all(long)), ...load];

    const failed = outcomes.filter((o) => o.code !== 0);
    assert.deepEqual(failed, [], `${failed.length} of ${outcomes.length} calls failed; proxy log:\n${proxyLog().slice(-2000)}`);
    const drainedLong = draining.recorder.calls.filter((c) => c.tag.startsWith('long-'));
    assert.ok(drainedLong.length > 0 && drainedLong.every((c) => c.finished && !c.cancelled),
      'the draining backend finished its calls in flight');
    assert.equal(draining.recorder.calls.length, drainedAt, 'nothing reached the closed backend');
    others.forEach((b, i) => assert.ok(b.recorder.calls.length > servedBefore[i]!, `${b.name} took calls during the drain`));
  });
}
